using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// What Lambda's function URL front end does, on 127.0.0.1: each HTTP request becomes a payload format 2.0 event for
/// the handler, and the handler's answer (statusCode, headers, body) becomes the HTTP response. A browser can then
/// use the approval page as it would the deployed one.
/// </summary>
public sealed class FunctionUrlServer(Func<byte[], Task<Stream>> handler) : LoopbackServer
{
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>The source address the events report (Lambda sets requestContext.http.sourceIp); null: the caller's.</summary>
    public string? SourceIp { get; set; }

    /// <summary>Every event sent to the handler, as JSON.</summary>
    public List<string> Events { get; } = [];

    protected override void Serve(HttpListenerContext ctx)
    {
        using var ms = new MemoryStream();
        ctx.Request.InputStream.CopyTo(ms);
        var body = ms.ToArray();
        var raw = ctx.Request.RawUrl ?? "/";
        var q = raw.IndexOf('?');
        var query = q < 0 ? "" : raw[(q + 1)..];
        var headers = new JsonObject();
        foreach (var k in ctx.Request.Headers.AllKeys.OfType<string>())
        {
            headers[k.ToLowerInvariant()] = ctx.Request.Headers[k];
        }
        var parameters = new JsonObject();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            parameters[Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq])] = Uri.UnescapeDataString(eq < 0 ? "" : pair[(eq + 1)..]);
        }
        var contentType = ctx.Request.ContentType ?? "";
        // Function URLs pass text bodies as they are and base64-encode the rest.
        var text = contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.Contains("json", StringComparison.Ordinal);
        var evt = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = q < 0 ? raw : raw[..q],
            ["rawQueryString"] = query,
            ["headers"] = headers,
            ["queryStringParameters"] = parameters.Count == 0 ? null : parameters,
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "anonymous",
                ["requestId"] = Guid.NewGuid().ToString(),
                ["domainName"] = $"127.0.0.1:{Port}",
                ["http"] = new JsonObject
                {
                    ["method"] = ctx.Request.HttpMethod,
                    ["path"] = q < 0 ? raw : raw[..q],
                    ["protocol"] = "HTTP/1.1",
                    ["sourceIp"] = SourceIp ?? ctx.Request.RemoteEndPoint.Address.ToString(),
                    ["userAgent"] = ctx.Request.UserAgent,
                },
            },
            ["body"] = body.Length == 0 ? null : text ? Encoding.UTF8.GetString(body) : Convert.ToBase64String(body),
            ["isBase64Encoded"] = body.Length > 0 && !text,
        };
        var json = evt.ToJsonString();
        lock (Events)
        {
            Events.Add(json);
        }
        using var answer = handler(Encoding.UTF8.GetBytes(json)).GetAwaiter().GetResult();
        using var reader = new StreamReader(answer);
        var response = JsonNode.Parse(reader.ReadToEnd())!.AsObject();
        ctx.Response.StatusCode = (int?)response["statusCode"] ?? 200;
        foreach (var (k, v) in response["headers"]?.AsObject() ?? [])
        {
            ctx.Response.Headers[k] = (string?)v;
        }
        var bytes = (bool?)response["isBase64Encoded"] == true ? Convert.FromBase64String((string?)response["body"] ?? "") : Encoding.UTF8.GetBytes((string?)response["body"] ?? "");
        ctx.Response.ContentLength64 = bytes.Length;
        ctx.Response.OutputStream.Write(bytes);
        ctx.Response.Close();
    }
}
