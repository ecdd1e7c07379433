using System.Text.Json;
using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// A local Lambda control plane (rest-json, 2015-03-31) with real semantics for what repair uses: a resource policy
/// per function and qualifier with its own revision id; GetPolicy's 404 when there is none; AddPermission's 409 on a
/// duplicate statement id, 412 on a stale revision id, 400 for $LATEST and past the 20 KB limit; ListTags.
/// Function names may be given as names or ARNs, as the AWS CLI allows.
/// </summary>
public sealed class FakeLambda(string region = "us-east-1", string account = "123456789012") : RestJsonEndpoint
{
    public const int PolicyLimit = 20_480;

    private readonly Dictionary<string, FunctionState> _functions = new(StringComparer.Ordinal);

    private sealed class FunctionState
    {
        public HashSet<string> Qualifiers { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, (List<JsonObject> Statements, string Revision)> Policies { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Creates a function (with aliases or versions) and its tags.</summary>
    public FakeLambda Function(string arn, string[]? qualifiers = null, Dictionary<string, string>? tags = null)
    {
        lock (this)
        {
            var f = new FunctionState();
            foreach (var q in qualifiers ?? [])
            {
                f.Qualifiers.Add(q);
            }
            foreach (var (k, v) in tags ?? [])
            {
                f.Tags[k] = v;
            }
            _functions[arn] = f;
        }
        return this;
    }

    /// <summary>Puts a statement into a policy directly (what another tool or a deploy did).</summary>
    public void AddStatement(string arn, string? qualifier, string statementJson)
    {
        lock (this)
        {
            var f = _functions[arn];
            var key = qualifier ?? "";
            var (list, _) = f.Policies.GetValueOrDefault(key, ([], ""));
            list.Add(JsonNode.Parse(statementJson)!.AsObject());
            f.Policies[key] = (list, Guid.NewGuid().ToString());
        }
    }

    /// <summary>The policy document of a function or qualifier, or null.</summary>
    public string? Policy(string arn, string? qualifier = null)
    {
        lock (this)
        {
            return _functions.TryGetValue(arn, out var f) && f.Policies.TryGetValue(qualifier ?? "", out var p) && p.Statements.Count > 0 ? Document(p.Statements) : null;
        }
    }

    public string? Revision(string arn, string? qualifier = null)
    {
        lock (this)
        {
            return _functions.TryGetValue(arn, out var f) && f.Policies.TryGetValue(qualifier ?? "", out var p) ? p.Revision : null;
        }
    }

    private readonly Dictionary<string, string> _functionUrls = new(StringComparer.Ordinal);

    /// <summary>Gives a function (by name) a function URL, as GetFunctionUrlConfig returns it.</summary>
    public FakeLambda FunctionUrl(string name, string url)
    {
        lock (this)
        {
            _functionUrls[name] = url;
        }
        return this;
    }

    /// <summary>AddPermission calls that changed a policy.</summary>
    public int Writes { get; private set; }

    /// <summary>Runs before AddPermission answers: lets a test change the policy "meanwhile".</summary>
    public Action? BeforeAdd { get; set; }

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        const string functions = "/2015-03-31/functions/";
        const string urls = "/2021-10-31/functions/";
        if (path.StartsWith(urls, StringComparison.Ordinal) && path.EndsWith("/url", StringComparison.Ordinal) && method == "GET")
        {
            var name = path[urls.Length..^"/url".Length];
            return Fault("GetFunctionUrlConfig") ?? (_functionUrls.TryGetValue(name, out var url)
                ? Ok(JsonSerializer.Serialize(new Dictionary<string, string> { ["FunctionUrl"] = url, ["AuthType"] = "NONE" }))
                : Error(404, "ResourceNotFoundException", "The resource you requested does not exist."));
        }
        if (path.StartsWith("/2017-03-31/tags/", StringComparison.Ordinal) && method == "GET")
        {
            return Fault("ListTags") ?? Tags(path["/2017-03-31/tags/".Length..]);
        }
        if (path.StartsWith(functions, StringComparison.Ordinal) && path.Contains("/policy/", StringComparison.Ordinal) && method == "DELETE")
        {
            var at = path.IndexOf("/policy/", StringComparison.Ordinal);
            query.TryGetValue("Qualifier", out var q);
            return Fault("RemovePermission") ?? RemovePermission(path[functions.Length..at], q, path[(at + "/policy/".Length)..], query.GetValueOrDefault("RevisionId"));
        }
        if (path.StartsWith(functions, StringComparison.Ordinal) && path.EndsWith("/policy", StringComparison.Ordinal))
        {
            var name = path[functions.Length..^"/policy".Length];
            query.TryGetValue("Qualifier", out var qualifier);
            return method switch
            {
                "GET" => Fault("GetPolicy") ?? GetPolicy(name, qualifier),
                "POST" => Fault("AddPermission") ?? AddPermission(name, qualifier, body),
                _ => Error(405, "MethodNotAllowed", method),
            };
        }
        return Error(404, "UnknownOperationException", $"no operation at {method} {path}");
    }

    private (string Arn, string? Qualifier) Normalise(string name)
    {
        // A name, a partial ARN or a full ARN, each with an optional :qualifier.
        var parts = name.Split(':');
        if (parts.Length >= 7 && parts[0] == "arn")
        {
            return (string.Join(':', parts.Take(7)), parts.Length > 7 ? parts[7] : null);
        }
        return parts.Length > 1 ? ($"arn:aws:lambda:{region}:{account}:function:{parts[0]}", parts[1]) : ($"arn:aws:lambda:{region}:{account}:function:{name}", null);
    }

    private Answer? Missing(string arn, string? qualifier, out FunctionState state)
    {
        if (!_functions.TryGetValue(arn, out state!))
        {
            return Error(404, "ResourceNotFoundException", $"Function not found: {arn}");
        }
        if (qualifier is not null && qualifier != "$LATEST" && !state.Qualifiers.Contains(qualifier))
        {
            return Error(404, "ResourceNotFoundException", $"Cannot find alias arn: {arn}:{qualifier}");
        }
        return null;
    }

    private Answer GetPolicy(string name, string? queryQualifier)
    {
        var (arn, q) = Normalise(name);
        var qualifier = queryQualifier ?? q;
        if (Missing(arn, qualifier, out var f) is { } missing)
        {
            return missing;
        }
        if (!f.Policies.TryGetValue(qualifier ?? "", out var p) || p.Statements.Count == 0)
        {
            return Error(404, "ResourceNotFoundException", "The resource you requested does not exist.");
        }
        return Ok(JsonSerializer.Serialize(new Dictionary<string, string> { ["Policy"] = Document(p.Statements), ["RevisionId"] = p.Revision }));
    }

    private Answer AddPermission(string name, string? queryQualifier, byte[] body)
    {
        var (arn, q) = Normalise(name);
        var qualifier = queryQualifier ?? q;
        if (qualifier == "$LATEST")
        {
            return Error(400, "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.");
        }
        if (Missing(arn, qualifier, out var f) is { } missing)
        {
            return missing;
        }
        BeforeAdd?.Invoke();
        var request = JsonNode.Parse(body)!.AsObject();
        var sid = (string?)request["StatementId"] ?? "";
        if (sid.Length is 0 or > 100 || sid.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
        {
            return Error(400, "ValidationException", $"1 validation error detected: Value '{sid}' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        }
        var key = qualifier ?? "";
        var (list, revision) = f.Policies.GetValueOrDefault(key, ([], Guid.NewGuid().ToString()));
        if ((string?)request["RevisionId"] is { } expected && expected != revision)
        {
            return Error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
        if (list.Any(s => (string?)s["Sid"] == sid))
        {
            return Error(409, "ResourceConflictException", $"The statement id ({sid}) provided already exists. Please provide a new statement id, or remove the existing statement.");
        }
        var principal = (string?)request["Principal"] ?? "";
        var statement = new JsonObject
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Principal"] = principal.Contains('.') ? new JsonObject { ["Service"] = principal } : new JsonObject { ["AWS"] = $"arn:aws:iam::{principal}:root" },
            ["Action"] = (string?)request["Action"],
            ["Resource"] = qualifier is null ? arn : $"{arn}:{qualifier}",
        };
        var condition = new JsonObject();
        if ((string?)request["SourceAccount"] is { } sourceAccount)
        {
            condition["StringEquals"] = new JsonObject { ["AWS:SourceAccount"] = sourceAccount };
        }
        if ((string?)request["SourceArn"] is { } sourceArn)
        {
            condition["ArnLike"] = new JsonObject { ["AWS:SourceArn"] = sourceArn };
        }
        if (condition.Count > 0)
        {
            statement["Condition"] = condition;
        }
        var next = list.Append(statement).ToList();
        var size = Document(next).Length;
        if (size > PolicyLimit)
        {
            return Error(400, "PolicyLengthExceededException", $"The final policy size ({size}) is bigger than the limit ({PolicyLimit}).");
        }
        f.Policies[key] = (next, Guid.NewGuid().ToString());
        Writes++;
        return Ok(JsonSerializer.Serialize(new Dictionary<string, string> { ["Statement"] = statement.ToJsonString() }), 201);
    }

    /// <summary>RemovePermission: 204 with no body; RevisionId in the query (in the body for AddPermission).</summary>
    private Answer RemovePermission(string name, string? queryQualifier, string sid, string? revisionId)
    {
        var (arn, q) = Normalise(name);
        var qualifier = queryQualifier ?? q;
        if (Missing(arn, qualifier, out var f) is { } missing)
        {
            return missing;
        }
        if (!f.Policies.TryGetValue(qualifier ?? "", out var p) || p.Statements.Count == 0)
        {
            return Error(404, "ResourceNotFoundException", "No policy is associated with the given resource.");
        }
        if (revisionId is not null && revisionId != p.Revision)
        {
            return Error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
        }
        if (p.Statements.RemoveAll(s => (string?)s["Sid"] == sid) == 0)
        {
            return Error(404, "ResourceNotFoundException", $"Statement {sid} is not found in resource policy.");
        }
        f.Policies[qualifier ?? ""] = (p.Statements, Guid.NewGuid().ToString());
        return new Answer(204, "application/json", "");
    }

    private Answer Tags(string arn)
    {
        if (!_functions.TryGetValue(arn, out var f))
        {
            return Error(404, "ResourceNotFoundException", $"Function not found: {arn}");
        }
        return Ok(JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>> { ["Tags"] = f.Tags }));
    }

    private static string Document(List<JsonObject> statements) =>
        new JsonObject { ["Version"] = "2012-10-17", ["Id"] = "default", ["Statement"] = new JsonArray(statements.Select(s => (JsonNode)s.DeepClone()).ToArray()) }.ToJsonString();
}
