"""Alibaba Mail (阿里邮箱) provider."""
