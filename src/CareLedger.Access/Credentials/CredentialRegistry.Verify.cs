using System.Collections.Concurrent;
using System.Globalization;
using CareLedger.Ledger.Crypto;
using CareLedger.Ledger.State;
using CareLedger.Ledger.Transactions;

namespace CareLedger.Access.Credentials;

public sealed partial class CredentialRegistry
{
    private const int MaxCached = 4096;

    // Parsing and ECDSA give the same answer for the same bytes forever (a key id names one public key), so the door's
    // per-request Check pays for them once per credential; key and credential status are read from the ledger every time.
    private readonly ConcurrentDictionary<string, DecodedCredential> decoded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(KeyId Key, string Jwt), bool> signatureValid = new();
    private readonly ConcurrentDictionary<string, KeptCheck> validChecks = new(StringComparer.Ordinal);

    /// <summary>Verifies a VC-JWT now (see <see cref="Verify(string, DateTimeOffset)"/>).</summary>
    public CredentialVerification Verify(string vcJwt) => Verify(vcJwt, options.Time.GetUtcNow());

    /// <summary>
    /// Whether <paramref name="vcJwt"/> is a valid practitioner credential at <paramref name="now"/>, for anyone: well formed;
    /// signed by the key its <c>kid</c> names, registered on this ledger with role credential-issuer and not revoked, and
    /// named as its issuer; on the ledger, not revoked, and exactly the latest issued or renewed version; validFrom ≤ now &lt;
    /// validUntil. Every failure is named. Credentials of any issuer registered on this ledger verify, not only this board's.
    /// </summary>
    public CredentialVerification Verify(string vcJwt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(vcJwt);
        if (Decode(vcJwt, out var notAJwt) is not { } decodedCredential)
        {
            return new CredentialVerification(false, [$"is not a VC-JWT: {notAJwt}"], null, null, null, null);
        }

        var (jwt, credential, problem) = decodedCredential;
        var reasons = new List<string>();
        if (problem is not null)
        {
            reasons.Add($"is not a practitioner licence credential: {problem}");
        }

        CheckIssuer(jwt, credential, reasons);
        if (credential?.SubjectKey is { } subjectKey && SubjectKeyProblem(subjectKey) is { } keyProblem)
        {
            reasons.Add($"names practitioner key {keyProblem}");
        }

        if (credential is null)
        {
            return new CredentialVerification(false, reasons, null, null, null, null);
        }

        var status = ledger.State.FindCredential(CredentialStatusPayload.HashCredentialId(credential.Id));
        CheckLedgerStatus(jwt, credential, status, reasons);
        if (now < credential.ValidFrom)
        {
            reasons.Add($"is not yet valid (valid from {Format(credential.ValidFrom)})");
        }

        var validUntil = status?.ValidUntil ?? credential.ValidUntil;
        if (now >= validUntil)
        {
            reasons.Add($"expired at {Format(validUntil)}");
        }

        return new CredentialVerification(reasons.Count == 0, reasons, credential.Id, status?.Status, validUntil, status?.Leaf) { Credential = credential };
    }

    /// <summary>The door's question: does the practitioner hold a credential from this board that is valid at <paramref name="now"/>?</summary>
    /// <remarks>
    /// Asked on every clinical request. A valid answer depends only on the ledger's keys and credential statuses (the
    /// credential's status, its issuer's and its subject's keys) and on time: it is kept with the state's
    /// <see cref="ILedgerState.KeysAndCredentialsVersion"/> when it was computed and reused while no key or credential
    /// status has changed since and the credential has not expired. A revocation of the credential or of a key moves
    /// that version before its submitter is answered, so the very next question reads the ledger again; the audit
    /// trail's anchors, appended many times a second, do not move it (they did when the answer was kept with the
    /// ledger's size, ≈ 0.05–0.1 µs per read re-verifying). A refusal is never kept.
    /// </remarks>
    public CredentialCheck Check(string practitionerReference, DateTimeOffset now)
    {
        if (practitionerReference is null)
        {
            return NotAPractitioner;
        }

        // Read before the ledger is: a change applied meanwhile leaves the kept answer stale, never wrong.
        var ledgerVersion = ledger.State.KeysAndCredentialsVersion;
        // A kept answer first: only a reference that passed the check below is ever kept, so its form (a regular
        // expression, most of this method's cost on every clinical read) need not be checked again.
        if (validChecks.TryGetValue(practitionerReference, out var kept) && kept.LedgerVersion == ledgerVersion && now < kept.ValidUntil && now >= kept.CheckedAt)
        {
            return kept.Check;
        }

        if (CredentialIdentifiers.PractitionerReferenceProblem(practitionerReference) is not null)
        {
            return NotAPractitioner;
        }

        CredentialCheck? firstFailure = null;
        foreach (var stored in byPractitioner.GetValueOrDefault(practitionerReference, []))
        {
            var verification = Verify(stored.Jwt!, now);
            if (verification.Valid)
            {
                var check = new CredentialCheck(true, $"credential {stored.Id} valid until {Format(verification.ValidUntil!.Value)}", stored.Id);
                if (validChecks.Count >= MaxCached)
                {
                    validChecks.Clear();
                }

                validChecks[practitionerReference] = new KeptCheck(ledgerVersion, now, verification.ValidUntil!.Value, check);
                return check;
            }

            firstFailure ??= new CredentialCheck(false, $"credential {stored.Id} {verification.Reasons[0]}", stored.Id);
        }

        return firstFailure ?? new CredentialCheck(false, "no credential", null);
    }

    private static CredentialCheck NotAPractitioner => new(false, "no credential (the caller is not a practitioner)", null);

    private sealed record KeptCheck(long LedgerVersion, DateTimeOffset CheckedAt, DateTimeOffset ValidUntil, CredentialCheck Check);

    /// <summary>
    /// A credential presented by a clinician of another member (F3): valid when it verifies against this ledger (any issuer
    /// registered on it) and its subject is <paramref name="practitionerReference"/>.
    /// </summary>
    public CredentialCheck CheckPresented(string practitionerReference, string vcJwt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(vcJwt);
        if (CredentialIdentifiers.PractitionerReferenceProblem(practitionerReference) is not null)
        {
            return new CredentialCheck(false, "no credential (the caller is not a practitioner)", null);
        }

        var verification = Verify(vcJwt, now);
        if (verification.Credential is { } credential && !credential.SubjectId.EndsWith("/" + practitionerReference, StringComparison.Ordinal)
            && !credential.SubjectId.EndsWith(":" + practitionerReference, StringComparison.Ordinal))
        {
            return new CredentialCheck(false, $"the presented credential {credential.Id} names another practitioner", credential.Id);
        }

        return verification.Valid
            ? new CredentialCheck(true, $"presented credential {verification.CredentialId} valid until {Format(verification.ValidUntil!.Value)}", verification.CredentialId)
            : new CredentialCheck(false, $"presented credential {verification.Reasons[0]}", verification.CredentialId);
    }

    /// <summary>A credential this board issued, with its ledger status; null when unknown here.</summary>
    public IssuedCredential? Find(string credentialId)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        return store.Find(credentialId) is { Jwt: not null } stored ? Describe(stored) : null;
    }

    /// <summary>The practitioner's credentials from this board, newest first.</summary>
    public IReadOnlyList<IssuedCredential> ForPractitioner(string practitionerReference)
    {
        ThrowIfProblem(CredentialIdentifiers.PractitionerReferenceProblem(practitionerReference), nameof(practitionerReference));
        return [.. store.ForPractitioner(practitionerReference).Select(Describe)];
    }

    /// <summary>The board's credentials, newest first.</summary>
    public IReadOnlyList<IssuedCredential> List(int limit = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return [.. store.List(limit).Select(Describe)];
    }

    private void CheckIssuer(VcJwt jwt, PractitionerLicenceCredential? credential, List<string> reasons)
    {
        var key = ledger.State.FindKey(jwt.KeyId);
        if (key is null)
        {
            reasons.Add($"is signed by key {jwt.KeyId}, which is not registered on this ledger");
            return;
        }

        if (key.Role != KeyRoles.CredentialIssuer)
        {
            reasons.Add($"is signed by key {jwt.KeyId} of role '{key.Role}', not '{KeyRoles.CredentialIssuer}'");
        }

        if (key.IsRevoked)
        {
            reasons.Add($"is signed by issuer key {jwt.KeyId}, revoked at leaf {key.RevokedLeaf}");
        }

        if (!SignatureValid(jwt, key))
        {
            reasons.Add($"has a signature that does not verify with issuer key {jwt.KeyId}");
        }

        if (credential is not null && credential.Issuer != CredentialIdentifiers.IssuerFor(jwt.KeyId))
        {
            reasons.Add($"names issuer '{credential.Issuer}', not its signing key {CredentialIdentifiers.IssuerFor(jwt.KeyId)}");
        }
    }

    /// <summary>
    /// Why the practitioner key a credential names cannot stand for its subject, completing "the key …"; null when it is
    /// registered on this ledger with role practitioner and not revoked.
    /// </summary>
    private string? SubjectKeyProblem(KeyId key) => ledger.State.FindKey(key) switch
    {
        null => $"{key}, which is not registered on this ledger",
        { Role: not KeyRoles.Practitioner } other => $"{key} of role '{other.Role}', not '{KeyRoles.Practitioner}'",
        { IsRevoked: true } revoked => $"{key}, revoked at leaf {revoked.RevokedLeaf}",
        _ => null,
    };

    private static void CheckLedgerStatus(VcJwt jwt, PractitionerLicenceCredential credential, CredentialState? status, List<string> reasons)
    {
        if (status is null)
        {
            reasons.Add("is not on the ledger (never issued)");
            return;
        }

        if (status.IsRevoked)
        {
            reasons.Add($"was revoked at leaf {status.Leaf}");
        }

        if (status.IssuerKey != jwt.KeyId)
        {
            reasons.Add($"was recorded on the ledger by key {status.IssuerKey}, not by its signing key {jwt.KeyId}");
        }

        if (!status.Digest.AsSpan().SequenceEqual(jwt.Digest))
        {
            reasons.Add($"is not the version the ledger records (superseded or altered; latest status at leaf {status.Leaf})");
        }
        else if (status.ValidUntilUnixMs != credential.ValidUntil.ToUnixTimeMilliseconds())
        {
            reasons.Add($"states validUntil {Format(credential.ValidUntil)} but the ledger records {Format(status.ValidUntil)}");
        }
    }

    /// <summary>The JWT and its credential (or why the payload is not one); null when the text is not a VC-JWT at all.</summary>
    private DecodedCredential? Decode(string text, out string? notAJwt)
    {
        notAJwt = null;
        if (decoded.TryGetValue(text, out var known))
        {
            return known;
        }

        VcJwt jwt;
        try
        {
            jwt = VcJwt.Parse(text);
        }
        catch (FormatException e)
        {
            notAJwt = e.Message;
            return null;
        }

        DecodedCredential result;
        try
        {
            result = new DecodedCredential(jwt, PractitionerLicenceCredential.Parse(jwt.Payload.Span), null);
        }
        catch (FormatException e)
        {
            result = new DecodedCredential(jwt, null, e.Message);
        }

        Remember(decoded, text, result);
        return result;
    }

    private bool SignatureValid(VcJwt jwt, KeyRecord key)
    {
        if (signatureValid.TryGetValue((key.Id, jwt.Text), out var valid))
        {
            return valid;
        }

        valid = jwt.VerifySignature(key.PublicKeySpki);
        Remember(signatureValid, (key.Id, jwt.Text), valid);
        return valid;
    }

    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, TKey key, TValue value)
        where TKey : notnull
    {
        if (cache.Count >= MaxCached)
        {
            cache.Clear();
        }

        cache[key] = value;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
