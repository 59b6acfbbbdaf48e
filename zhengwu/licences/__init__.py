"""Electronic licences (电子证照): issue, sign, revoke and verify."""
