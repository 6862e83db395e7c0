"""A login made for a patient by an organisation registered for it (account provisioning).

``services``: submit (trace, limits, email), the patient's journey, expiry; ``api``: the
``private_key_jwt`` JSON endpoint for services; ``views``: the patient's pages. The practice
side is in ``verification.admin.provisioning``. Why it works this way: ADR 0065.
"""
