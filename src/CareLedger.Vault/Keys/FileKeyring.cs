using CareLedger.IO;
using System.Security.Cryptography;

namespace CareLedger.Vault.Keys;

/// <summary>
/// The default key provider: a keyring file (mode 0600, replaced atomically) with versioned 256-bit KEKs and the
/// vault's keyed-hash secrets. The newest KEK wraps; older ones stay for unwrapping until retired.
/// </summary>
public sealed class FileKeyring : IKeyEncryptionKeyProvider, IDisposable
{
    private const UnixFileMode GroupOrOtherAccess =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Lock _changeGate = new();
    private readonly TimeProvider _time;
    private KeyringFile _contents;
    private bool _disposed;

    private FileKeyring(string path, KeyringFile contents, TimeProvider time)
    {
        Path = path;
        _contents = contents;
        _time = time;
    }

    public string Path { get; }

    public string CurrentKeyId => Contents.CurrentKeyId;

    /// <summary>Every KEK version held, oldest first.</summary>
    public IReadOnlyList<string> KeyIds => [.. Contents.Keys.Select(k => k.Id)];

    private KeyringFile Contents
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Volatile.Read(ref _contents);
        }
    }

    public static FileKeyring OpenOrCreate(string path) => OpenOrCreate(path, TimeProvider.System);

    /// <summary>Opens the keyring at <paramref name="path"/>, or creates it with a first KEK and fresh secrets.
    /// Refuses a keyring that group or others may access, and one that does not parse.</summary>
    public static FileKeyring OpenOrCreate(string path, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            var created = KeyringFile.CreateNew(time.GetUtcNow());
            Save(fullPath, created);
            return new FileKeyring(fullPath, created, time);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(fullPath) & GroupOrOtherAccess) != 0)
        {
            throw new UnauthorizedAccessException(
                $"Keyring '{fullPath}' is accessible to group or others; restrict it to its owner (chmod 600).");
        }

        var bytes = File.ReadAllBytes(fullPath);
        try
        {
            return new FileKeyring(fullPath, KeyringFile.Parse(bytes), time);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Keyring '{fullPath}': {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public WrappedDataKey Wrap(ReadOnlySpan<byte> dek, ReadOnlySpan<byte> context)
    {
        var contents = Contents;
        var kek = contents.Keys.Single(k => k.Id == contents.CurrentKeyId);
        return new WrappedDataKey(kek.Id, DataKeyWrapFormat.Wrap(kek.Key, kek.Id, dek, context));
    }

    public byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        var kek = Contents.Keys.SingleOrDefault(k => k.Id == keyId)
            ?? throw new KeyNotFoundException($"KEK '{keyId}' is not in keyring '{Path}' (retired, or another keyring).");
        return DataKeyWrapFormat.Unwrap(kek.Key, kek.Id, wrapped, context);
    }

    public byte[] GetSecret(VaultSecretPurpose purpose) =>
        Contents.Secrets.TryGetValue(purpose, out var secret)
            ? (byte[])secret.Clone()
            : throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "Unknown secret purpose.");

    /// <summary>Adds a new KEK version and makes it current. Data keys wrapped earlier still unwrap;
    /// re-wrap them with <see cref="Vault.RewrapDataKeys"/> before retiring the old version.</summary>
    public void Rotate() => Change(c => c.WithNewKey(_time.GetUtcNow()));

    /// <summary>Removes an old KEK version for good; data keys still wrapped by it become unreadable.</summary>
    public void Retire(string keyId) => Change(c => c.WithoutKey(keyId));

    public void Dispose()
    {
        lock (_changeGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _contents.Erase();
        }
    }

    private void Change(Func<KeyringFile, KeyringFile> change)
    {
        lock (_changeGate)
        {
            var next = change(Contents);
            Save(Path, next);
            Volatile.Write(ref _contents, next);
        }
    }

    private static void Save(string path, KeyringFile contents)
    {
        var bytes = contents.Serialize();
        try
        {
            SecureFile.WriteAllBytes(path, bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
