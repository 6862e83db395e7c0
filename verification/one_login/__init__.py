"""Reusing an identity proven with GOV.UK One Login for P9 (issue 18; ADR 0066).

``identity`` checks One Login's ``coreIdentityJWT`` and reads the name, date of birth and
postcode from it and the address claim; ``services`` traces them in PDS and, on exactly one
match, raises the login to P9 by the route "GOV.UK One Login".
"""
