using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Remediator.Function.Approval;

/// <summary>A Lambda function URL request, payload format 2.0 (only what the approval page reads).</summary>
public sealed class FunctionUrlRequest
{
    public string? Version { get; set; }
    public string? RawPath { get; set; }
    public string? RawQueryString { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public Dictionary<string, string>? QueryStringParameters { get; set; }
    public FunctionUrlRequestContext? RequestContext { get; set; }
    public string? Body { get; set; }
    public bool IsBase64Encoded { get; set; }

    public string Method => RequestContext?.Http?.Method?.ToUpperInvariant() ?? "GET";

    public string? SourceIp => RequestContext?.Http?.SourceIp;

    /// <summary>The body as text (function URLs base64-encode a body they do not take for text).</summary>
    public string BodyText()
    {
        if (Body is null)
        {
            return "";
        }
        if (!IsBase64Encoded)
        {
            return Body;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(Body));
        }
        catch (FormatException)
        {
            return "";
        }
    }

    /// <summary>A field of an <c>application/x-www-form-urlencoded</c> body, or of the query string.</summary>
    public static string? Field(string form, string name)
    {
        foreach (var pair in form.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (k, v) = pair.IndexOf('=') is var eq and >= 0 ? (pair[..eq], pair[(eq + 1)..]) : (pair, "");
            if (Uri.UnescapeDataString(k.Replace('+', ' ')) == name)
            {
                return Uri.UnescapeDataString(v.Replace('+', ' '));
            }
        }
        return null;
    }
}

public sealed class FunctionUrlRequestContext
{
    public string? AccountId { get; set; }
    public string? RequestId { get; set; }
    public string? DomainName { get; set; }
    public FunctionUrlHttp? Http { get; set; }
}

public sealed class FunctionUrlHttp
{
    public string? Method { get; set; }
    public string? Path { get; set; }
    public string? SourceIp { get; set; }
    public string? UserAgent { get; set; }
}

/// <summary>The answer to a function URL request (payload format 2.0).</summary>
public sealed class FunctionUrlResponse
{
    public int StatusCode { get; set; }
    public Dictionary<string, string> Headers { get; set; } = [];
    public string Body { get; set; } = "";
    public bool IsBase64Encoded { get; set; }
}

/// <summary>Source-generated (de)serialisation: no reflection, so the Native AOT host can use it.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionUrlRequest))]
[JsonSerializable(typeof(FunctionUrlResponse))]
public sealed partial class FunctionUrlJson : JsonSerializerContext;

/// <summary>Tells function URL requests apart from log deliveries, which are <c>{"awslogs":{"data":...}}</c>.</summary>
public static class FunctionUrlEvent
{
    /// <summary>True when the event's top level has <c>requestContext</c> and <c>rawPath</c> (and no <c>awslogs</c>);
    /// only the top level is read, so a large delivery costs one member.</summary>
    public static bool Is(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            bool context = false, path = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("awslogs"u8))
                {
                    return false;
                }
                context |= reader.ValueTextEquals("requestContext"u8);
                path |= reader.ValueTextEquals("rawPath"u8);
                if (!reader.Read() || !reader.TrySkip())
                {
                    return false;
                }
                if (context && path)
                {
                    return true;
                }
            }
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public static FunctionUrlRequest? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, FunctionUrlJson.Default.FunctionUrlRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static byte[] Write(FunctionUrlResponse response) => JsonSerializer.SerializeToUtf8Bytes(response, FunctionUrlJson.Default.FunctionUrlResponse);
}
