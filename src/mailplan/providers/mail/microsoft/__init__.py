"""Microsoft 365: Microsoft Graph v1.0, with Exchange Online PowerShell steps for what Graph cannot do."""
