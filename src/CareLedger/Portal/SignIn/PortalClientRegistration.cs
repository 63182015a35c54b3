using CareLedger.Identity.Accounts;
using CareLedger.Identity.Server;

namespace CareLedger.Portal.SignIn;

/// <summary>
/// Registers the portal as a client of the node's authorisation server once the node has bound its address (the
/// redirect URI is below the issuer, which a node on port 0 learns only then). Idempotent: an existing registration
/// with the same redirect URI is kept; one for another address (the node moved) is replaced.
/// </summary>
internal sealed class PortalClientRegistration(IdentityStore store, IssuerResolver issuer, ILogger<PortalClientRegistration> logger) : IHostedLifecycleService
{
    public const string AllowedScopes = PortalClient.RequestedScopes;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var redirect = issuer.Endpoint(PortalClient.CallbackPath.TrimStart('/'));
        var existing = await store.FindClientAsync(PortalClient.ClientId, cancellationToken);
        if (existing is not null && existing.RedirectUris.Count == 1 && existing.RedirectUris[0] == redirect && !existing.IsConfidential)
        {
            return;
        }

        if (existing is not null)
        {
            await store.RemoveClientAsync(PortalClient.ClientId, cancellationToken);
        }

        await store.AddClientAsync(new ClientRegistration(PortalClient.ClientId, ClientKind.App)
        {
            DisplayName = "CareLedger portal",
            RedirectUris = [redirect],
            AllowedScopes = AllowedScopes,
        }, cancellationToken);
        logger.LogInformation("Registered the portal as a client of this node");
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
