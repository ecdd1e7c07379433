using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Constructs;
using Remediator.Function.Approval;

namespace Remediator.Infra;

/// <summary>
/// repairMode=approve: the page a person approves a planned repair on. A function URL on the same function rather
/// than an endpoint of its own: no API Gateway (the service whose permissions may be what is broken) between the
/// person and the repair, IAM auth available as an option, and no extra service to deploy or pay for. Links are
/// signed by a KMS HMAC key that only this function may use, for GenerateMac and VerifyMac and nothing else.
/// </summary>
public sealed class ApprovalPage : Construct
{
    public ApprovalPage(Construct scope, string id, StackConfig config, Amazon.CDK.AWS.Lambda.Function function, Role role) : base(scope, id)
    {
        Key = new Key(this, "LinkKey", new KeyProps
        {
            Description = "Remediator: signs approval links (HMAC)",
            KeySpec = KeySpec.HMAC_256,
            KeyUsage = KeyUsage.GENERATE_VERIFY_MAC,
            RemovalPolicy = RemovalPolicy.DESTROY, // a key that is gone invalidates every link, which is what removal means
            PendingWindow = Duration.Days(7),
        });
        role.AddToPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ApprovalLinkMac",
            Actions = ["kms:GenerateMac", "kms:VerifyMac"],
            Resources = [Key.KeyArn],
        }));

        Url = function.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = config.ApprovalAuthIam ? FunctionUrlAuthType.AWS_IAM : FunctionUrlAuthType.NONE,
        });

        // The function asks Lambda for its own URL (a function's environment cannot hold its own URL's address: the
        // URL depends on the function). A policy of its own, so that the function does not depend on it.
        new Policy(this, "OwnUrl", new PolicyProps
        {
            Roles = [role],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps { Sid = "OwnFunctionUrl", Actions = ["lambda:GetFunctionUrlConfig"], Resources = [function.FunctionArn] }),
            ],
        });

        function.AddEnvironment(ApprovalOptionNames.KeyId, Key.KeyArn);
        function.AddEnvironment(ApprovalOptionNames.TtlMinutes, config.ApprovalTtlMinutes.ToString(CultureInfo.InvariantCulture));
        function.AddEnvironment(ApprovalOptionNames.SourceCidrs, string.Join(',', config.ApprovalSourceCidrs));

        new CfnOutput(Stack.Of(this), "ApprovalPageUrl", new CfnOutputProps { Value = Url.Url, Description = "The approval page (links in the messages point here)" });
    }

    public Key Key { get; }

    public FunctionUrl Url { get; }
}
