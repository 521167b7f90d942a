"""NetEase Qiye Mail (网易企业邮箱) provider."""
