using System.Text.Json;

namespace Remediator.Function.Aws;

/// <summary>
/// Lambda GetFunctionUrlConfig (<c>GET /2021-10-31/functions/{FunctionName}/url</c>): the function's own URL, read
/// once. A stack cannot put a function URL's address into the same function's environment (the URL depends on the
/// function), so the approval links' address is asked of Lambda the first time a link is made.
/// </summary>
public sealed class FunctionUrlConfigClient(AwsHttp http, Uri endpoint, string region, string functionName)
{
    private Uri? _url;

    public async Task<Uri> GetAsync(DateTimeOffset deadline, CancellationToken ct)
    {
        if (_url is { } known)
        {
            return known;
        }
        var request = new AwsRequest(HttpMethod.Get, endpoint, "/2021-10-31/functions/{FunctionName}/url", "lambda", region,
            PathValues: new Dictionary<string, string> { ["FunctionName"] = functionName }, Operation: "Lambda GetFunctionUrlConfig");
        var response = await http.SendAsync(request, deadline, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(response.Body);
        var text = doc.RootElement.TryGetProperty("FunctionUrl", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
        {
            throw new AwsCallException(request.Operation, endpoint, region, (int)response.Status, null, "the answer has no FunctionUrl", 1);
        }
        return _url = url;
    }
}
