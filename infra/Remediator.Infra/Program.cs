using Amazon.CDK;
using Remediator.Infra;

var app = new App();
StackConfig config;
try
{
    if (app.Node.TryGetContext("stack") is "member")
    {
        // A member account of an organization fan-in (docs/deploy-multi-account.md): no environment, so that one
        // template serves every account of a StackSet.
        new MemberStack(app, "RemediatorMember", MemberConfig.From(key => app.Node.TryGetContext(key)), new StackProps
        {
            Description = "Remediator member: API logs to the central destination, and the repair role the central function assumes",
            Synthesizer = MemberStack.StackSetSynthesizer(),
        });
        app.Synth();
        return 0;
    }
    config = StackConfig.FromContext(app.Node);
}
catch (ConfigException e)
{
    Console.Error.WriteLine($"remediator: bad CDK context: {e.Message}");
    return 1;
}
new RemediatorStack(app, "Remediator", config, new StackProps
{
    Env = new Amazon.CDK.Environment
    {
        Account = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_ACCOUNT"),
        Region = System.Environment.GetEnvironmentVariable("CDK_DEFAULT_REGION"),
    },
    Description = "Remediator: API Gateway 5xx diagnosis and safe repair",
});
app.Synth();
return 0;
