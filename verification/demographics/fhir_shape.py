"""PDS FHIR R4 shapes: a Patient resource, a search bundle and error OperationOutcomes.

Used both ways: the fake builds responses with these functions, and the real client reads
them with ``record_from_patient``. They follow the published PDS FHIR API (Patient resource,
``searchset`` bundles, Spine error codes such as ``TOO_MANY_MATCHES`` and
``RESOURCE_NOT_FOUND``).
"""

import datetime

from verification.demographics.types import PatientRecord

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CONFIDENTIALITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
SPINE_ERROR_SYSTEM = "https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode"
RESTRICTED_CODES = {"R", "V"}  # restricted, very restricted: details withheld


def patient_resource(record: PatientRecord) -> dict:
    """A PDS Patient resource. A restricted record withholds address, contacts and GP."""
    security = (
        {"system": CONFIDENTIALITY_SYSTEM, "code": "R", "display": "restricted"}
        if record.restricted
        else {"system": CONFIDENTIALITY_SYSTEM, "code": "U", "display": "unrestricted"}
    )
    resource = {
        "resourceType": "Patient",
        "id": record.nhs_number,
        "meta": {"versionId": "1", "security": [security]},
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": record.nhs_number}],
        "name": [
            {
                "use": "usual",
                "given": record.given_name.split(" "),
                "family": record.family_name,
            }
        ],
        "birthDate": record.birth_date.isoformat() if record.birth_date else None,
    }
    if record.restricted:
        return resource
    if record.postcode:
        resource["address"] = [{"use": "home", "postalCode": record.postcode}]
    if record.gp_ods_code:
        resource["generalPractitioner"] = [
            {
                "type": "Organization",
                "identifier": {"system": ODS_SYSTEM, "value": record.gp_ods_code},
            }
        ]
    telecom = []
    if record.mobile:
        telecom.append({"system": "phone", "value": record.mobile, "use": "mobile"})
    if record.email:
        telecom.append({"system": "email", "value": record.email, "use": "home"})
    if telecom:
        resource["telecom"] = telecom
    return resource


def search_bundle(records: list[PatientRecord], base_url: str) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": datetime.datetime.now(datetime.UTC).isoformat(),
        "total": len(records),
        "entry": [
            {
                "fullUrl": f"{base_url}/Patient/{record.nhs_number}",
                "search": {"score": 1},
                "resource": patient_resource(record),
            }
            for record in records
        ],
    }


def operation_outcome(code: str, spine_code: str, display: str, severity="error") -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": severity,
                "code": code,
                "details": {
                    "coding": [
                        {
                            "system": SPINE_ERROR_SYSTEM,
                            "version": "1",
                            "code": spine_code,
                            "display": display,
                        }
                    ]
                },
            }
        ],
    }


def spine_codes(outcome: dict) -> set[str]:
    """The Spine error codes in an OperationOutcome (e.g. {"TOO_MANY_MATCHES"})."""
    codes = set()
    for issue in outcome.get("issue", []):
        codes.add(issue.get("code", ""))
        for coding in (issue.get("details") or {}).get("coding", []):
            codes.add(coding.get("code", ""))
    return codes - {""}


def _current(items: list[dict]) -> dict | None:
    """The entry in use now: "usual"/"home" without an ended period, else the first."""
    live = [item for item in items if not (item.get("period") or {}).get("end")]
    for item in live:
        if item.get("use") in ("usual", "home", None):
            return item
    return (live or items or [None])[0]


def record_from_patient(resource: dict) -> PatientRecord:
    """The parts of a PDS Patient resource NHS login uses."""
    nhs_number = next(
        (
            identifier.get("value", "")
            for identifier in resource.get("identifier", [])
            if identifier.get("system") == NHS_NUMBER_SYSTEM
        ),
        resource.get("id", ""),
    )
    name = _current(resource.get("name", [])) or {}
    address = _current(resource.get("address", [])) or {}
    gp_ods_code = ""
    for practitioner in resource.get("generalPractitioner", []):
        identifier = practitioner.get("identifier") or {}
        if identifier.get("system") == ODS_SYSTEM:
            gp_ods_code = identifier.get("value", "")
            break
    mobile = email = ""
    for telecom in resource.get("telecom", []):
        if telecom.get("system") == "phone" and telecom.get("use") == "mobile" and not mobile:
            mobile = telecom.get("value", "")
        if telecom.get("system") == "email" and not email:
            email = telecom.get("value", "")
    security = {label.get("code") for label in (resource.get("meta") or {}).get("security", [])}
    birth_date = resource.get("birthDate")
    return PatientRecord(
        nhs_number=nhs_number,
        given_name=" ".join(name.get("given", [])),
        family_name=name.get("family", ""),
        birth_date=datetime.date.fromisoformat(birth_date) if birth_date else None,
        postcode=address.get("postalCode", ""),
        gp_ods_code=gp_ods_code,
        mobile=mobile,
        email=email,
        restricted=bool(security & RESTRICTED_CODES),
    )
