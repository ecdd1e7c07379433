using System.Text;
using System.Text.Json;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Repair;

/// <summary>
/// The one statement a repair adds: principal <c>apigateway.amazonaws.com</c>, action <c>lambda:InvokeFunction</c>,
/// scoped to one API by SourceArn (<c>arn:partition:execute-api:region:account:apiId/*</c>, so one statement per API
/// keeps the 20 KB policy limit far away) and by SourceAccount, on the qualifier the integration invokes. With the
/// commands that add it and undo it, and the CDK and CloudFormation that make it permanent (the next deploy of the
/// owning stack may remove an out-of-band change). A Lambda authorizer's statement is scoped to the authorizer
/// instead (<c>apiId/authorizers/id</c>), the SourceArn API Gateway invokes authorizers with.
/// </summary>
public sealed record PermissionPlan(FunctionRef Function, string ApiId, string Region, string AccountId, string? AuthorizerId = null)
{
    /// <summary>Deterministic, so a second repair of the same API finds its own statement: <c>remediator-&lt;apiId&gt;</c>,
    /// for an authorizer <c>remediator-&lt;apiId&gt;-authorizer-&lt;id&gt;</c> (AddPermission allows letters, digits, '-' and '_', at most 100).</summary>
    public string StatementId => "remediator-" + Safe(ApiId, 32) + (AuthorizerId is null ? "" : "-authorizer-" + Safe(AuthorizerId, 32));

    public string SourceArn => $"arn:{Function.Partition}:execute-api:{Region}:{AccountId}:{ApiId}/" + (AuthorizerId is null ? "*" : $"authorizers/{AuthorizerId}");

    private static string Safe(string value, int max) => new(value.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').Take(max).ToArray());

    public string? Qualifier => Function.Qualifier;

    /// <summary>The ARN the statement's Resource names: the function, or the alias or version it is on.</summary>
    public string ResourceArn => Qualifier is null ? Function.Arn : $"{Function.Arn}:{Qualifier}";

    /// <summary>The statement as Lambda renders it in the policy.</summary>
    public string StatementJson
    {
        get
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, Report.JsonReport.Options(indented: false)))
            {
                w.WriteStartObject();
                w.WriteString("Sid", StatementId);
                w.WriteString("Effect", "Allow");
                w.WriteStartObject("Principal");
                w.WriteString("Service", PolicyEvaluator.ApiGatewayPrincipal);
                w.WriteEndObject();
                w.WriteString("Action", PolicyEvaluator.InvokeAction);
                w.WriteString("Resource", ResourceArn);
                w.WriteStartObject("Condition");
                w.WriteStartObject("StringEquals");
                w.WriteString("AWS:SourceAccount", AccountId);
                w.WriteEndObject();
                w.WriteStartObject("ArnLike");
                w.WriteString("AWS:SourceArn", SourceArn);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
    }

    private string QualifierArg => Qualifier is null ? "" : $" --qualifier {Qualifier}";

    // --region: the function ARN names it, but the AWS CLI signs for its configured region and Lambda refuses a
    // request signed for another one; every command we print carries it.
    public string AddCommand =>
        $"aws lambda add-permission --region {Function.Region} --function-name {Function.Arn}{QualifierArg} --statement-id {StatementId} --action {PolicyEvaluator.InvokeAction} --principal {PolicyEvaluator.ApiGatewayPrincipal} --source-arn {SourceArn} --source-account {AccountId}";

    public string UndoCommand => $"aws lambda remove-permission --region {Function.Region} --function-name {Function.Arn}{QualifierArg} --statement-id {StatementId}";

    public string GetPolicyCommand => $"aws lambda get-policy --region {Function.Region} --function-name {Function.Arn}{QualifierArg}";

    /// <summary>C# CDK: on the function, or on the Alias (or Version) construct when the integration invokes a qualifier.</summary>
    public string CdkSnippet =>
        $"{(Qualifier is null ? "fn" : "alias")}.AddPermission(\"ApiGatewayInvoke{ApiId}{AuthorizerId}\", new Permission {{ Principal = new ServicePrincipal(\"apigateway.amazonaws.com\"), Action = \"lambda:InvokeFunction\", SourceArn = \"{SourceArn}\", SourceAccount = \"{AccountId}\" }});"
        + (Qualifier is null ? "" : $"  // alias: the Alias or Version construct of \"{Qualifier}\"");

    public string CloudFormationSnippet =>
        $"Type: AWS::Lambda::Permission\nProperties:\n  FunctionName: {ResourceArn}\n  Action: lambda:InvokeFunction\n  Principal: apigateway.amazonaws.com\n  SourceArn: {SourceArn}\n  SourceAccount: '{AccountId}'";
}
