using System.Net;
using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Core.Report;
using Remediator.Function.Repair;

namespace Remediator.Function.Aws;

/// <summary>
/// The three Lambda control-plane operations repair needs, over rest-json (aws-wire-facts §1): GetPolicy,
/// AddPermission and ListTags. The function ARN goes in the path raw (the signer encodes it); the qualifier in the
/// query; AddPermission's RevisionId in the body.
/// </summary>
public sealed class LambdaClient(AwsHttp http, Func<string, Uri> endpointFor) : IPermissionStore
{
    public async Task<FunctionPolicy> GetPolicyAsync(FunctionRef function, DateTimeOffset deadline, CancellationToken ct)
    {
        try
        {
            var response = await http.SendAsync(Request(HttpMethod.Get, function, "/2015-03-31/functions/{FunctionName}/policy", "Lambda GetPolicy"), deadline, ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(response.Body);
            return new FunctionPolicy(Str(doc.RootElement, "Policy"), Str(doc.RootElement, "RevisionId"));
        }
        catch (AwsCallException e) when (e.Status == (int)HttpStatusCode.NotFound && e.Code == "ResourceNotFoundException"
            && !e.Message.Contains("Function not found", StringComparison.Ordinal))
        {
            return new FunctionPolicy(null, null); // no policy at all (or its last statement was removed)
        }
    }

    public async Task AddPermissionAsync(PermissionPlan plan, string? revisionId, DateTimeOffset deadline, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, JsonReport.Options(indented: false)))
        {
            w.WriteStartObject();
            w.WriteString("StatementId", plan.StatementId);
            w.WriteString("Action", PolicyEvaluator.InvokeAction);
            w.WriteString("Principal", PolicyEvaluator.ApiGatewayPrincipal);
            w.WriteString("SourceArn", plan.SourceArn);
            w.WriteString("SourceAccount", plan.AccountId);
            if (revisionId is not null)
            {
                w.WriteString("RevisionId", revisionId);
            }
            w.WriteEndObject();
        }
        var request = Request(HttpMethod.Post, plan.Function, "/2015-03-31/functions/{FunctionName}/policy", "Lambda AddPermission") with
        {
            Body = buffer.ToArray(),
            ContentType = "application/json",
        };
        await http.SendAsync(request, deadline, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, string>> GetTagsAsync(FunctionRef function, DateTimeOffset deadline, CancellationToken ct)
    {
        // Tags belong to the function, not to an alias or version: the unqualified ARN.
        var request = new AwsRequest(HttpMethod.Get, endpointFor(function.Region), "/2017-03-31/tags/{ARN}", "lambda", function.Region,
            PathValues: new Dictionary<string, string> { ["ARN"] = function.Arn }, Operation: "Lambda ListTags");
        var response = await http.SendAsync(request, deadline, ct).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(response.Body);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("Tags", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            foreach (var tag in t.EnumerateObject().Where(x => x.Value.ValueKind == JsonValueKind.String))
            {
                tags[tag.Name] = tag.Value.GetString()!;
            }
        }
        return tags;
    }

    private AwsRequest Request(HttpMethod method, FunctionRef function, string path, string operation) =>
        new(method, endpointFor(function.Region), path, "lambda", function.Region,
            PathValues: new Dictionary<string, string> { ["FunctionName"] = function.Arn },
            Query: function.Qualifier is null ? null : new Dictionary<string, string> { ["Qualifier"] = function.Qualifier },
            Operation: operation);

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
