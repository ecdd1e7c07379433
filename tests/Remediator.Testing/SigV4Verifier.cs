using System.Security.Cryptography;
using System.Text;

namespace Remediator.Testing;

/// <summary>
/// Checks a SigV4 Authorization header the way AWS does, written from the specification and independent of
/// AWSSDK.Core: rebuild the canonical request from what arrived, derive the key, compare the signature.
/// </summary>
public static class SigV4Verifier
{
    public sealed record Result(bool Valid, string Service, string Region, string AccessKey, IReadOnlyList<string> SignedHeaders, string Detail);

    public static Result Verify(string method, string rawPathAndQuery, IReadOnlyDictionary<string, string> headers, byte[] body, string secretKey)
    {
        if (!headers.TryGetValue("authorization", out var auth) || !auth.StartsWith("AWS4-HMAC-SHA256 ", StringComparison.Ordinal))
        {
            return new Result(false, "", "", "", [], "no AWS4-HMAC-SHA256 Authorization header");
        }
        var parts = auth["AWS4-HMAC-SHA256 ".Length..].Split(',').Select(p => p.Trim().Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var credential = parts["Credential"].Split('/');
        var (accessKey, date, region, service) = (credential[0], credential[1], credential[2], credential[3]);
        var signedHeaders = parts["SignedHeaders"].Split(';');
        var amzDate = headers["x-amz-date"];

        var pathEnd = rawPathAndQuery.IndexOf('?');
        var path = pathEnd < 0 ? rawPathAndQuery : rawPathAndQuery[..pathEnd];
        var query = pathEnd < 0 ? "" : rawPathAndQuery[(pathEnd + 1)..];
        // Non-S3 services: each path segment as sent, URI-encoded once more.
        var canonicalUri = string.Join('/', path.Split('/').Select(s => Uri.EscapeDataString(s)));
        var canonicalQuery = string.Join('&', query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Select(p => (Uri.EscapeDataString(Uri.UnescapeDataString(p[0])), Uri.EscapeDataString(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Item1, StringComparer.Ordinal).ThenBy(p => p.Item2, StringComparer.Ordinal).Select(p => $"{p.Item1}={p.Item2}"));
        var canonicalHeaders = string.Concat(signedHeaders.Select(h => $"{h}:{string.Join(' ', headers[h].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))}\n"));
        var payloadHash = Hex(SHA256.HashData(body));
        if (headers.TryGetValue("x-amz-content-sha256", out var declared) && declared != payloadHash)
        {
            return new Result(false, service, region, accessKey, signedHeaders, "x-amz-content-sha256 does not match the body");
        }
        var canonicalRequest = $"{method}\n{canonicalUri}\n{canonicalQuery}\n{canonicalHeaders}\n{string.Join(';', signedHeaders)}\n{payloadHash}";
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), date), region), service), "aws4_request");
        var expected = Hex(Hmac(key, stringToSign));
        var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(parts["Signature"]));
        return new Result(valid, service, region, accessKey, signedHeaders, valid ? "ok" : $"signature mismatch; canonical request was:\n{canonicalRequest}");
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
