using System.Diagnostics;
using System.Globalization;
using Remediator.Testing;

// Usage: Remediator.ColdStart <label> <runs> <delivery.json> <command> [args...]
// Starts the function's Runtime API host in a fresh process against a loopback Runtime API and a loopback SNS,
// hands it one delivery, and measures process start to delivery handled (the response posted), and the peak RSS.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Remediator.ColdStart <label> <runs> <delivery.json> <command> [args...]");
    return 2;
}
var label = args[0];
var runs = int.Parse(args[1], CultureInfo.InvariantCulture);
var delivery = File.ReadAllBytes(args[2]);
var times = new List<double>();
var rss = new List<long>();
for (var i = 0; i < runs; i++)
{
    using var runtime = new FakeRuntimeApi();
    using var sns = new FakeSns();
    runtime.Enqueue(delivery);
    var psi = new ProcessStartInfo(args[3]) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in args.Skip(4))
    {
        psi.ArgumentList.Add(a);
    }
    psi.Environment["AWS_LAMBDA_RUNTIME_API"] = runtime.Address;
    psi.Environment["REMEDIATOR_TOPIC_ARN"] = "arn:aws:sns:us-east-1:123456789012:findings";
    psi.Environment["REMEDIATOR_REPAIR_MODE"] = "off";
    psi.Environment["AWS_ENDPOINT_URL_SNS"] = sns.Endpoint.ToString();
    psi.Environment["AWS_REGION"] = "us-east-1";
    psi.Environment["AWS_ACCESS_KEY_ID"] = LocalAwsEndpoint.AccessKey;
    psi.Environment["AWS_SECRET_ACCESS_KEY"] = LocalAwsEndpoint.SecretKey;
    psi.Environment["AWS_SESSION_TOKEN"] = LocalAwsEndpoint.SessionToken;
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(psi)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    if (!runtime.Posts.TryTake(out var post, TimeSpan.FromSeconds(30)) || post.Kind != "response")
    {
        Console.Error.WriteLine($"{label}: no response ({post?.Kind}: {post?.Body})");
        process.Kill();
        return 1;
    }
    var elapsed = clock.Elapsed.TotalMilliseconds;
    var peak = File.ReadAllLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    rss.Add(long.Parse(peak.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture));
    times.Add(elapsed);
    process.Kill();
    process.WaitForExit();
    var expected = int.TryParse(Environment.GetEnvironmentVariable("EXPECT_PUBLISHES"), out var e) ? e : 1;
    if (sns.Publishes.Count() != expected)
    {
        Console.Error.WriteLine($"{label}: expected {expected} published message(s)");
        return 1;
    }
}
times.Sort();
rss.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {label} | {times[times.Count / 2]:F1} ms | {times[0]:F1} ms | {times[^1]:F1} ms | {rss[rss.Count / 2] / 1024.0:F1} MB | {runs} |"));
return 0;
