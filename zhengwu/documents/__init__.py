"""Official documents (公文): drafting, sign-off, numbering, GB/T 9704 rendering, sealing."""
