namespace CareLedger.Tests.Ai;

/// <summary>The AI tests share one node (loading and training once); they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class AiCollection : ICollectionFixture<AiTestHost>
{
    public const string Name = "ai";
}
