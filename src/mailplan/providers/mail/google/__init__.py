"""Google Workspace: Admin Directory, Groups Settings, Gmail settings and Vault."""
