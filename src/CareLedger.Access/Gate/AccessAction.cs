namespace CareLedger.Access.Gate;

/// <summary>What a caller does through the door. Each maps to a FHIR <c>consentaction</c> code for the consent engine.</summary>
public enum AccessAction
{
    /// <summary>read, vread (consent action <c>access</c>).</summary>
    Read,
    /// <summary>search (consent action <c>access</c>).</summary>
    Search,
    /// <summary>instance or type history (consent action <c>access</c>).</summary>
    History,
    /// <summary>create (consent action <c>collect</c>).</summary>
    Create,
    /// <summary>update (consent action <c>correct</c>).</summary>
    Update,
    /// <summary>delete (consent action <c>correct</c>).</summary>
    Delete,
    /// <summary>bulk export, GDPR export (consent action <c>disclose</c>).</summary>
    Export,
    /// <summary>AI training or inference, analytics (consent action <c>use</c>).</summary>
    Use,
    /// <summary>release to another member or party (consent action <c>disclose</c>).</summary>
    Disclose,
}
