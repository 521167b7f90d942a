"""Tencent Exmail (腾讯企业邮) provider."""
