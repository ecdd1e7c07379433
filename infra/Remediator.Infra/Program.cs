using Amazon.CDK;
using Remediator.Infra;

var app = new App();
StackConfig config;
try
{
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
