using System.Diagnostics;

namespace Remediator.Testing;

/// <summary>
/// The reference client: Debian's AWS CLI (2.9, installed by .ci/run), run against a local endpoint with
/// <c>--endpoint-url</c> and the local endpoints' credentials. What it sends is what AWS expects.
/// </summary>
public static class AwsCli
{
    public static string Run(Uri endpoint, params string[] args)
    {
        var aws = File.Exists("/usr/bin/aws") ? "/usr/bin/aws" : "aws";
        var psi = new ProcessStartInfo(aws) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--endpoint-url", endpoint.ToString(), "--region", "us-east-1", "--output", "json" }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        LocalAwsEndpoint.UseLocalCredentials(psi.Environment);
        psi.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("the AWS CLI did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException("the AWS CLI did not finish in 60 s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"aws {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}");
        }
        return stdout.Result;
    }
}
