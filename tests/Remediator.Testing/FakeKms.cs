using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// A local KMS (JSON 1.1, <c>X-Amz-Target: TrentService.*</c>) holding HMAC keys: GenerateMac and VerifyMac with
/// HMAC_SHA_256, KMS's errors (<c>NotFoundException</c> for an unknown key, <c>KMSInvalidMacException</c> for a MAC
/// that does not match, <c>InvalidKeyUsageException</c> for another algorithm). Every request's SigV4 signature is
/// verified by <see cref="LocalAwsEndpoint"/>.
/// </summary>
public sealed class FakeKms : LocalAwsEndpoint
{
    public const string KeyId = "arn:aws:kms:us-east-1:123456789012:key/0b8c5d1e-hmac-4a1b-9c2d-approval0001";

    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal) { [KeyId] = RandomNumberGenerator.GetBytes(32) };

    /// <summary>Operations answered, by name (GenerateMac, VerifyMac).</summary>
    public IEnumerable<string> Operations => Requests.Select(r => r.Headers.GetValueOrDefault("x-amz-target") ?? "").Select(t => t.Replace("TrentService.", "", StringComparison.Ordinal));

    /// <summary>Replaces the key's material: every link signed before no longer verifies (a rotated or other key).</summary>
    public void NewKeyMaterial()
    {
        lock (this)
        {
            _keys[KeyId] = RandomNumberGenerator.GetBytes(32);
        }
    }

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        if (headers.GetValueOrDefault("content-type") != "application/x-amz-json-1.1")
        {
            return Error(400, "SerializationException", "expected application/x-amz-json-1.1");
        }
        var target = headers.GetValueOrDefault("x-amz-target") ?? "";
        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return Error(400, "SerializationException", "the body is not a JSON object");
        }
        var keyId = (string?)request["KeyId"];
        if (keyId is null || !_keys.TryGetValue(keyId, out var key))
        {
            return Error(400, "NotFoundException", $"Key '{keyId}' does not exist");
        }
        if ((string?)request["MacAlgorithm"] != "HMAC_SHA_256")
        {
            return Error(400, "InvalidKeyUsageException", "the key's MAC algorithm is HMAC_SHA_256");
        }
        var message = Convert.FromBase64String((string?)request["Message"] ?? "");
        if (message.Length is 0 or > 4096)
        {
            return Error(400, "ValidationException", "1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and 4096");
        }
        var mac = HMACSHA256.HashData(key, message);
        switch (target)
        {
            case "TrentService.GenerateMac":
                return Json(new JsonObject { ["Mac"] = Convert.ToBase64String(mac), ["MacAlgorithm"] = "HMAC_SHA_256", ["KeyId"] = keyId });
            case "TrentService.VerifyMac":
                var given = Convert.FromBase64String((string?)request["Mac"] ?? "");
                return CryptographicOperations.FixedTimeEquals(given, mac)
                    ? Json(new JsonObject { ["KeyId"] = keyId, ["MacValid"] = true, ["MacAlgorithm"] = "HMAC_SHA_256" })
                    : Error(400, "KMSInvalidMacException", "");
            default:
                return Error(400, "UnknownOperationException", target);
        }
    }

    private static Answer Json(JsonObject o) => new(200, "application/x-amz-json-1.1", o.ToJsonString());

    protected override Answer Error(int status, string code, string message) =>
        new(status, "application/x-amz-json-1.1", new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString());
}
