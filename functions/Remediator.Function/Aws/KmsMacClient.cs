using System.Text.Json;
using Remediator.Core.Report;
using Remediator.Function.Approval;

namespace Remediator.Function.Aws;

/// <summary>
/// KMS GenerateMac and VerifyMac over JSON 1.1 (botocore <c>kms/2014-11-01</c>): <c>POST /</c> with
/// <c>X-Amz-Target: TrentService.GenerateMac</c> and <c>Content-Type: application/x-amz-json-1.1</c>, signed for
/// <c>kms</c>; blobs (<c>Message</c>, <c>Mac</c>) travel as base64. Hand-written over <see cref="AwsHttp"/> like the
/// other clients rather than AWSSDK.KeyManagementService, so the Native AOT host stays free of the SDK's reflection.
/// </summary>
public sealed class KmsMacClient(AwsHttp http, Uri endpoint, string region, string keyId) : IMacSigner
{
    public const string Algorithm = "HMAC_SHA_256";
    public const string ContentType = "application/x-amz-json-1.1";
    public const string TargetHeader = "X-Amz-Target";

    public string KeyId => keyId;

    public async Task<byte[]> GenerateMacAsync(byte[] message, DateTimeOffset deadline, CancellationToken ct)
    {
        var response = await http.SendAsync(Request("GenerateMac", message, null), deadline, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(response.Body);
        return doc.RootElement.TryGetProperty("Mac", out var mac) && mac.ValueKind == JsonValueKind.String
            ? mac.GetBytesFromBase64()
            : throw new AwsCallException("KMS GenerateMac", endpoint, region, (int)response.Status, null, "the answer has no Mac", 1);
    }

    public async Task<bool> VerifyMacAsync(byte[] message, byte[] mac, DateTimeOffset deadline, CancellationToken ct)
    {
        try
        {
            var response = await http.SendAsync(Request("VerifyMac", message, mac), deadline, ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(response.Body);
            return doc.RootElement.TryGetProperty("MacValid", out var valid) && valid.ValueKind == JsonValueKind.True;
        }
        catch (AwsCallException e) when (e.Code == "KMSInvalidMacException")
        {
            return false; // KMS answers a wrong MAC with this error, not with MacValid=false
        }
    }

    private AwsRequest Request(string operation, byte[] message, byte[]? mac)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("KeyId", keyId);
            w.WriteBase64String("Message", message);
            if (mac is not null)
            {
                w.WriteBase64String("Mac", mac);
            }
            w.WriteString("MacAlgorithm", Algorithm);
            w.WriteEndObject();
        }
        return new AwsRequest(HttpMethod.Post, endpoint, "/", "kms", region, Body: buffer.ToArray(), ContentType: ContentType,
            Headers: new Dictionary<string, string> { [TargetHeader] = "TrentService." + operation }, Operation: "KMS " + operation);
    }
}
