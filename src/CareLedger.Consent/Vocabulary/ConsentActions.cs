using CareLedger.Consent.Model;

namespace CareLedger.Consent.Vocabulary;

/// <summary><c>consentaction</c> codes, the actions a request performs on data.</summary>
public static class ConsentActions
{
    public static readonly Coding Collect = new(CodeSystems.ConsentAction, "collect");
    public static readonly Coding Access = new(CodeSystems.ConsentAction, "access");
    public static readonly Coding Use = new(CodeSystems.ConsentAction, "use");
    public static readonly Coding Disclose = new(CodeSystems.ConsentAction, "disclose");
    public static readonly Coding Correct = new(CodeSystems.ConsentAction, "correct");
}
