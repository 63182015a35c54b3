using System.Security.Cryptography;
using CareLedger.Identity.Accounts;
using CareLedger.Ledger.Engine;
using Microsoft.IdentityModel.Tokens;

namespace CareLedger.Locator;

/// <summary>
/// Registers every other member's node as a client of this node's authorisation server (F3, ADR 0009): client id = the
/// member's name, authenticated by <c>private_key_jwt</c> with the node key the ledger registers for it (no secret is
/// ever exchanged), allowed <c>system/*.rs</c>, its tokens naming the member's organisation — so the door treats it as
/// another organisation's system (no patient records) unless a clinician assertion says for whom it asks.
/// </summary>
internal static class MemberClients
{
    public static async Task RegisterAsync(IdentityStore identities, LedgerEngine ledger, ILogger logger, CancellationToken ct)
    {
        foreach (var member in ledger.State.MembersAt(ledger.Size).Where(m => m.Name != ledger.MemberName))
        {
            if (await identities.FindClientAsync(member.Name, ct) is not null || ledger.State.FindKey(member.NodeKey) is not { } nodeKey)
            {
                continue;
            }

            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(nodeKey.PublicKeySpki, out _);
            var jwk = JsonWebKeyConverter.ConvertFromECDsaSecurityKey(new ECDsaSecurityKey(ecdsa));
            jwk.Kid = member.NodeKey.ToString();
            jwk.Use = "sig";
            jwk.Alg = SecurityAlgorithms.EcdsaSha256;
            var keys = new JsonWebKeySet();
            keys.Keys.Add(jwk);
            await identities.AddClientAsync(new ClientRegistration(member.Name, ClientKind.System)
            {
                DisplayName = $"{member.Organisation} (consortium member node)",
                AllowedScopes = MemberLinks.Scope,
                Keys = keys,
                MemberOrganisation = member.Organisation,
            }, ct);
            logger.LogInformation("record locator: member {Member} registered as a client (private_key_jwt, its node key)", member.Name);
        }
    }
}
