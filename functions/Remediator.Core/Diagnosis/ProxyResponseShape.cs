using System.Text;
using System.Text.Json;

namespace Remediator.Core.Diagnosis;

/// <summary>
/// Says what is wrong with what a function returned to a Lambda proxy integration, in terms of its shape only
/// (key names and JSON types, never values: bodies are customer data).
/// </summary>
public static class ProxyResponseShape
{
    private const string Truncated = "[TRUNCATED]";

    /// <summary>
    /// A one-line description of the problems, or null when the body looks like a valid proxy response (or when
    /// nothing can be said). Bodies API Gateway cut at 1 KB (<c>[TRUNCATED]</c>) are read as far as they go.
    /// </summary>
    public static string? Describe(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return body is null ? null : "the function returned an empty response; return an object with `statusCode` and a string `body`";
        }
        var text = body.Trim();
        var truncated = text.EndsWith(Truncated, StringComparison.Ordinal);
        if (truncated)
        {
            text = text[..^Truncated.Length].TrimEnd();
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, isFinalBlock: !truncated, default);
        try
        {
            if (!reader.Read())
            {
                return null;
            }
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return "the function returned a bare JSON string, not an object; wrap it: {\"statusCode\": 200, \"body\": \"...\"}";
                case JsonTokenType.StartArray:
                    return "the function returned a JSON array, not an object; put it in `body` as a string: {\"statusCode\": 200, \"body\": JSON.stringify(items)}";
                case JsonTokenType.Number:
                case JsonTokenType.True:
                case JsonTokenType.False:
                case JsonTokenType.Null:
                    return $"the function returned a bare JSON {Describe(reader.TokenType)}, not an object with `statusCode` and `body`";
                case JsonTokenType.StartObject:
                    return DescribeObject(ref reader, truncated);
                default:
                    return null;
            }
        }
        catch (JsonException)
        {
            return "the function returned text that is not JSON (for example None, undefined or a plain string); return an object with `statusCode` and a string `body`";
        }
    }

    /// <summary>Key names of an object body, for messages that must not carry values: "`body` is an object with keys id, items".</summary>
    private static string DescribeObject(ref Utf8JsonReader reader, bool truncated)
    {
        var problems = new List<string>();
        var seen = new List<string>();
        var complete = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    complete = true;
                    break;
                }
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                var name = reader.GetString()!;
                seen.Add(name);
                if (!reader.Read())
                {
                    break;
                }
                var type = reader.TokenType;
                switch (name)
                {
                    case "statusCode":
                        if (type == JsonTokenType.String && !int.TryParse(reader.GetString(), out _))
                        {
                            problems.Add("`statusCode` is not a number");
                        }
                        else if (type is not JsonTokenType.Number and not JsonTokenType.String)
                        {
                            problems.Add($"`statusCode` is {Article(type)}, not a number");
                        }
                        break;
                    case "body":
                        if (type == JsonTokenType.StartObject)
                        {
                            problems.Add($"`body` is an object{KeysOf(ref reader)}, not a string (serialise it: JSON.stringify / json.dumps / JsonSerializer.Serialize)");
                        }
                        else if (type is not JsonTokenType.String and not JsonTokenType.Null)
                        {
                            problems.Add($"`body` is {Article(type)}, not a string (serialise it)");
                        }
                        break;
                    case "headers":
                        CheckMap(ref reader, type, "headers", valuesAreArrays: false, problems);
                        break;
                    case "multiValueHeaders":
                        CheckMap(ref reader, type, "multiValueHeaders", valuesAreArrays: true, problems);
                        break;
                    case "isBase64Encoded":
                        if (type is not JsonTokenType.True and not JsonTokenType.False)
                        {
                            problems.Add($"`isBase64Encoded` is {Article(type)}, not true or false");
                        }
                        break;
                }
                if (type is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth == 1)
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A cut body ends mid-value: what was read so far still counts.
        }
        catch (InvalidOperationException)
        {
            // Skip() on a partial block: same as above.
        }
        if (!seen.Contains("statusCode") && (complete || !truncated))
        {
            problems.Insert(0, seen.Count == 0 ? "an empty object: no `statusCode`" : $"no `statusCode` (keys: {string.Join(", ", seen.Take(8))})");
        }
        if (problems.Count == 0)
        {
            return truncated ? "the response was cut at 1 KB in the log; its visible part has the right shape" : "the response looks like a valid proxy response";
        }
        return string.Join("; ", problems);
    }

    private static void CheckMap(ref Utf8JsonReader reader, JsonTokenType type, string name, bool valuesAreArrays, List<string> problems)
    {
        if (type == JsonTokenType.Null)
        {
            return;
        }
        if (type != JsonTokenType.StartObject)
        {
            problems.Add($"`{name}` is {Article(type)}, not an object");
            return;
        }
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }
            var key = reader.GetString();
            reader.Read();
            var ok = valuesAreArrays ? reader.TokenType == JsonTokenType.StartArray : reader.TokenType == JsonTokenType.String;
            if (!ok)
            {
                problems.Add($"`{name}.{key}` is {Article(reader.TokenType)}, not {(valuesAreArrays ? "an array of strings" : "a string")}");
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                reader.Skip();
            }
        }
    }

    private static string KeysOf(ref Utf8JsonReader reader)
    {
        var keys = new List<string>();
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1)
            {
                keys.Add(reader.GetString()!);
            }
        }
        return keys.Count == 0 ? "" : $" with keys {string.Join(", ", keys.Take(8))}";
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.String => "string",
        JsonTokenType.StartArray => "array",
        JsonTokenType.StartObject => "object",
        _ => "value",
    };

    private static string Article(JsonTokenType type) => type switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray or JsonTokenType.StartObject => "an " + Describe(type),
        _ => "a " + Describe(type),
    };
}
