"""The welcome sheet: one printed A4 page a new person gets on their first day, in Chinese and English.

Their address, where their mail client connects (servers, ports, security, login name), what to do at
the first login, and two-step verification when the policy requires it. Never the password: that is
handed over apart (the owner-only credentials file), so the sheet can lie on a desk.
Self-contained (no script, nothing fetched); the print stylesheet keeps it to one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from mailplan.dns.clients import ClientSettings

PROTOCOLS = {"imap": "IMAP（收信 / incoming）", "smtp": "SMTP（发信 / outgoing）", "pop3": "POP3（收信 / incoming）"}
SECURITY = {"tls": "SSL/TLS", "starttls": "STARTTLS"}


@dataclass(frozen=True)
class Sheet:
    organization: str
    name: str
    address: str  # as people read it (Unicode domain)
    login: str  # as servers check it
    department: str
    clients: ClientSettings
    require_2fa: bool
    autoconfig: bool  # the domain publishes autoconfig/autodiscover (the self-hosted backend)
    profile_url: str = ""  # the Apple profile, when served


def render(s: Sheet) -> str:
    rows = "".join(
        f"<tr><td>{PROTOCOLS[srv.protocol]}</td><td class=mono>{escape(srv.host)}</td><td>{srv.port}</td>"
        f"<td>{SECURITY[srv.security]}</td></tr>"
        for srv in s.clients.servers
    )
    steps = [
        ("向 IT 当面领取初始密码（它不在本页上）。",
         "Collect your initial password from IT in person (it is not on this sheet)."),
    ]
    if s.clients.webmail:
        steps.append((f"在浏览器登录 {s.clients.webmail}，修改初始密码。",
                      f"Sign in at {s.clients.webmail} in a browser and change the initial password."))
    else:
        steps.append(("请 IT 为你修改初始密码，或按其说明自行修改。",
                      "Have IT change the initial password with you, or change it as they show you."))
    if s.require_2fa:
        steps.append(("首次登录时开启两步验证（手机验证器应用）；未开启前无法使用邮箱。",
                      "At the first sign-in, turn on two-step verification (an authenticator app on your phone); "
                      "the mailbox cannot be used until you do."))
    if s.autoconfig:
        steps.append(("在 Outlook、Foxmail、Thunderbird 或手机邮件中只需输入邮箱地址和密码，服务器会自动设置。",
                      "In Outlook, Foxmail, Thunderbird or your phone's mail app, enter only your address and "
                      "password: the servers are set up automatically."))
    steps.append(("如需手动设置，请使用下表；用户名是完整邮箱地址。",
                  "To set up by hand, use the table below; the user name is your full address."))
    if s.profile_url:
        steps.append((f"iPhone / Mac：在 Safari 打开 {s.profile_url} 安装描述文件。",
                       f"iPhone / Mac: open {s.profile_url} in Safari and install the profile."))
    items = "".join(f"<li><span class=zh>{escape(zh)}</span><br><span class=en>{escape(en)}</span></li>"
                    for zh, en in steps)
    two_fa = ("<p class=note>本公司要求两步验证 · Two-step verification is required here.</p>"
              if s.require_2fa else "")
    dept = f"<tr><th>部门 Department</th><td>{escape(s.department)}</td></tr>" if s.department else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>欢迎 Welcome — {escape(s.name)}</title>
<style>
@page {{ size: A4; margin: 16mm 16mm 14mm; }}
body {{ font-family: "Noto Sans CJK SC", "Noto Sans", sans-serif; color: #111; font-size: 10.5pt; margin: 0; }}
h1 {{ font-size: 18pt; margin: 0 0 2mm; }}
h2 {{ font-size: 12pt; margin: 6mm 0 2mm; border-bottom: 1px solid #999; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 1.2mm 2mm; border: 1px solid #bbb; vertical-align: top; }}
th {{ background: #f0f0f0; width: 32%; }}
.mono {{ font-family: "Noto Sans Mono", monospace; }}
.en {{ color: #444; }}
.note {{ border: 1px solid #999; padding: 2mm; font-weight: bold; }}
ol li {{ margin-bottom: 1.5mm; }}
footer {{ margin-top: 6mm; font-size: 8.5pt; color: #555; }}
main {{ page-break-inside: avoid; }}
</style></head>
<body><main>
<h1>欢迎加入 {escape(s.organization)}<br><span class=en>Welcome to {escape(s.organization)}</span></h1>
<table>
<tr><th>姓名 Name</th><td>{escape(s.name)}</td></tr>
<tr><th>邮箱地址 Address</th><td class=mono>{escape(s.address)}</td></tr>
<tr><th>用户名 Login name</th><td class=mono>{escape(s.login)}</td></tr>
{dept}
</table>
{two_fa}
<h2>第一次登录 · First sign-in</h2>
<ol>{items}</ol>
<h2>服务器设置 · Server settings</h2>
<table><tr><th>协议 Protocol</th><th>服务器 Server</th><th>端口 Port</th><th>加密 Security</th></tr>{rows}</table>
<footer>此页不含密码；请妥善保管你的密码，不要告诉任何人，IT 也不会向你索要。<br>
This sheet holds no password. Keep yours to yourself: IT will never ask you for it.</footer>
</main></body></html>
"""
