namespace Remediator.Function.Approval;

/// <summary>
/// Signs and checks approval links. The real one is KMS (<see cref="Aws.KmsMacClient"/>): the HMAC key never leaves
/// KMS, so reading the function's code or environment gives nobody the power to forge a link, and revoking the key
/// (or the function's kms:GenerateMac/VerifyMac) stops every link at once.
/// </summary>
public interface IMacSigner
{
    /// <summary>The MAC of <paramref name="message"/> (HMAC-SHA-256, 32 bytes).</summary>
    Task<byte[]> GenerateMacAsync(byte[] message, DateTimeOffset deadline, CancellationToken ct);

    /// <summary>True when <paramref name="mac"/> is the MAC of <paramref name="message"/>; false when it is not.</summary>
    Task<bool> VerifyMacAsync(byte[] message, byte[] mac, DateTimeOffset deadline, CancellationToken ct);
}
