using System.Buffers.Text;
using Remediator.Core.Repair;

namespace Remediator.Function.Approval;

public enum LinkStatus { Valid, Malformed, Tampered, Expired }

/// <summary>What checking a link found: its token when the link is authentic (also when expired, to show what it was).</summary>
public sealed record LinkCheck(LinkStatus Status, ApprovalToken? Token, string Detail);

/// <summary>
/// Approval links: <c>{page}?t={base64url(token)}.{base64url(mac)}</c>. Making one signs the token's canonical bytes
/// with KMS; checking one verifies, in this order, the format, the MAC (anything altered is "tampered"), and the
/// expiry on the injected clock. The token carries no secret and no customer data: the MAC, not secrecy, is what
/// makes the link worth something.
/// </summary>
public sealed class ApprovalLinks(IMacSigner signer, TimeProvider time, TimeSpan ttl, Func<DateTimeOffset, CancellationToken, Task<Uri>> page)
{
    public const string Parameter = "t";

    // A token is a few hundred bytes; anything far longer is not ours (and is not worth a KMS call).
    private const int MaxLength = 8192;

    public async Task<string> MakeAsync(RepairReport planned, DateTimeOffset deadline, CancellationToken ct)
    {
        var token = ApprovalToken.For(planned, time.GetUtcNow() + ttl);
        var payload = token.Canonical();
        var mac = await signer.GenerateMacAsync(payload, deadline, ct).ConfigureAwait(false);
        var baseUri = await page(deadline, ct).ConfigureAwait(false);
        return $"{baseUri.GetLeftPart(UriPartial.Path)}?{Parameter}={Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(mac)}";
    }

    public async Task<LinkCheck> VerifyAsync(string? value, DateTimeOffset deadline, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || value.Split('.') is not [var p, var m])
        {
            return new LinkCheck(LinkStatus.Malformed, null, "the link has no approval in it, or it was cut");
        }
        if (Decode(p) is not { } payload || Decode(m) is not { Length: 32 } mac)
        {
            return new LinkCheck(LinkStatus.Malformed, null, "the link is not one Remediator wrote (bad encoding)");
        }
        if (!await signer.VerifyMacAsync(payload, mac, deadline, ct).ConfigureAwait(false))
        {
            return new LinkCheck(LinkStatus.Tampered, null, "the link's signature does not match: it was altered, or signed with another key");
        }
        if (ApprovalToken.Parse(payload, out var problem) is not { } token)
        {
            return new LinkCheck(LinkStatus.Malformed, null, $"the signed approval cannot be read ({problem})");
        }
        if (time.GetUtcNow() >= token.Expires)
        {
            return new LinkCheck(LinkStatus.Expired, token, $"the link expired at {token.Expires:yyyy-MM-dd HH:mm} UTC");
        }
        return new LinkCheck(LinkStatus.Valid, token, "");
    }

    // Strict: base64url without padding, and only the one spelling that encodes back to the same text.
    private static byte[]? Decode(string text)
    {
        try
        {
            var bytes = Base64Url.DecodeFromChars(text);
            return Base64Url.EncodeToString(bytes) == text ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
