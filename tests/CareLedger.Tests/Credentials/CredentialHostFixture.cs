namespace CareLedger.Tests.Credentials;

/// <summary>One credential host shared by a test class (starting the identity feature costs about a second).</summary>
public sealed class CredentialHostFixture : IAsyncLifetime
{
    internal CredentialTestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await CredentialTestHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
