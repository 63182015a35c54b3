using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CareLedger.Identity.Server;

/// <summary>
/// The issuer and the FHIR audience, fixed on first use: the configured issuer, or else the first address the
/// server bound (so a node on port 0 gets its real port). Options that depend on it are built lazily, on the first
/// request, which comes after the server has bound.
/// </summary>
internal sealed class IssuerResolver(IdentityOptions options, IServer server)
{
    // Not cached on failure: asked before the server has bound, it must be able to answer once it has.
    private readonly Lazy<Uri> _issuer = new(() => Normalise(options.Issuer ?? FromServer(server)), LazyThreadSafetyMode.PublicationOnly);

    /// <summary>Absolute, ending in '/', so endpoint paths combine below it.</summary>
    public Uri Issuer => _issuer.Value;

    public Uri FhirBaseUrl => new(Issuer, options.FhirPath.Trim('/'));

    public Uri Endpoint(string relativePath) => new(Issuer, relativePath);

    /// <summary>
    /// Plain HTTP is allowed only when the issuer is a loopback address: nothing but this machine can reach it, so
    /// there is no network to protect tokens and passwords on. Any other issuer must be HTTPS.
    /// </summary>
    public bool AllowsPlainHttp => Issuer.Scheme == Uri.UriSchemeHttp && IsLoopback(Issuer);

    private static Uri Normalise(Uri issuer)
    {
        if (!issuer.IsAbsoluteUri || !string.IsNullOrEmpty(issuer.Query) || !string.IsNullOrEmpty(issuer.Fragment))
        {
            throw new InvalidOperationException($"the issuer '{issuer}' must be an absolute URL without query or fragment");
        }

        return issuer.AbsoluteUri.EndsWith('/') ? issuer : new Uri(issuer.AbsoluteUri + "/");
    }

    private static Uri FromServer(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var first = addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("no issuer is configured and the server has not bound an address yet");
        var address = new Uri(first.Replace("://+", "://0.0.0.0", StringComparison.Ordinal)
            .Replace("://*", "://0.0.0.0", StringComparison.Ordinal));
        if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
        {
            throw new InvalidOperationException(
                $"the node listens on the wildcard address {first}: configure the issuer, the URL clients use to reach the node");
        }

        return address;
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
