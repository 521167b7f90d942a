"""``settings:`` of a ``type: zoho-mail`` provider, and the hosts of each Zoho data centre."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from mailplan.dns.templates import ZOHO_REGIONS

# The data centre's domain: the same value the `zoho-mail` DNS template takes (MX mx.<region>).
Region = Literal["zoho.com", "zoho.eu", "zoho.in", "zoho.com.au", "zoho.jp", "zohocloud.ca", "zoho.com.cn"]
assert set(get_args(Region)) == set(ZOHO_REGIONS)

PAGE_MAX = 200  # the largest page a published client asks for; Zoho documents no maximum


class ZohoSettings(BaseModel):
    """``settings:`` of a ``type: zoho-mail`` provider."""

    model_config = ConfigDict(extra="forbid")

    region: Region = Field(
        default="zoho.com",
        description="The data centre the organization signed up in (the domain of its Zoho Mail address): "
        + ", ".join(ZOHO_REGIONS),
    )
    zoid: str = Field(
        pattern=r"^[0-9]{1,20}$",
        description="The organization ID (Zoho Mail Admin Console → Organization → Profile → Organization Info)",
    )
    client_id: str = Field(description="Client ID of the Self Client made in the API Console (not secret)")
    client_secret: str = Field(description="Its client secret; reference it as env:NAME or file:PATH")
    refresh_token: str = Field(description="The refresh token the Self Client's code gave; env:NAME or file:PATH")
    base_url: str | None = Field(default=None, description="Mail API root; default https://mail.<region>")
    accounts_url: str | None = Field(default=None, description="OAuth server; default https://accounts.<region>")
    manage_all_accounts: bool = Field(
        default=False,
        description="Zoho keeps no mark on an account: true makes every account of these domains (but the "
        "organization's super administrator) mailplan's, with its aliases, admin role and forwarding",
    )
    page_size: int = Field(default=PAGE_MAX, ge=1, le=PAGE_MAX, description="Items per list call")
    requests_per_minute: int = Field(
        default=30, ge=0, description="Calls mailplan makes in any minute (Zoho's limit, unverified); 0: no pacing"
    )
    consistency_timeout: float = Field(
        default=60.0, ge=0, description="Seconds a write waits for Zoho to show what it wrote"
    )

    @property
    def api_root(self) -> str:
        return (self.base_url or f"https://mail.{self.region}").rstrip("/")

    @property
    def oauth_root(self) -> str:
        return (self.accounts_url or f"https://accounts.{self.region}").rstrip("/")
