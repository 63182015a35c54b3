namespace CareLedger.Consent.Model;

/// <summary>FHIR R4 <c>Consent.provision.data.meaning</c>: how a data reference selects resources.</summary>
public enum DataMeaning
{
    Unspecified = 0,
    /// <summary>The referenced resource itself.</summary>
    Instance = 1,
    /// <summary>The referenced resource and the resources it refers to.</summary>
    Related = 2,
    /// <summary>The referenced resource and the resources that refer to it.</summary>
    Dependents = 3,
    /// <summary>Resources authored by the referenced party.</summary>
    AuthoredBy = 4,
}
