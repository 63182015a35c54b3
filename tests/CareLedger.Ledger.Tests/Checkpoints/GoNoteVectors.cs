namespace CareLedger.Ledger.Tests.Checkpoints;

/// <summary>
/// PROVENANCE: golang.org/x/mod sumdb/note/note_test.go (github.com/golang/mod, BSD-3-Clause), the known keys,
/// text and signatures of TestNewVerifier, TestSign and TestOpen.
/// </summary>
internal static class GoNoteVectors
{
    public const string PeterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    public const string PeterSkey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    public const string EnochVkey = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

    public const string Text =
        "If you think cryptography is the answer to your problem,\n" +
        "then you don't know what your problem is.\n";

    public const string PeterSignatureLine = "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    public const string EnochSignatureLine = "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

    /// <summary>The signed message that TestSign expects byte for byte.</summary>
    public const string SignedByPeter = Text + "\n" + PeterSignatureLine;
}
