#!/usr/bin/env python3
"""Copied from ../shared/bench/genlogs.py (whose README says: free to use, copy or rewrite), unchanged but for this line.
Generate a realistic REST API execution-log export (plain text, '(request-id) message' lines, INFO level
with data tracing) of roughly SIZE_MB megabytes. Mixed outcomes: mostly 200s, some 5xx of several causes.
Usage: genlogs.py SIZE_MB OUT [--seed N]"""
import random, sys, uuid
size_mb = float(sys.argv[1]); out = sys.argv[2]
seed = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == '--seed' else 7
rnd = random.Random(seed)
region, acct = "eu-west-2", "958845080241"
fns = [f"arn:aws:lambda:{region}:{acct}:function:svc-{n}" for n in ("orders", "users", "books", "search")]
paths = ["/orders", "/users/{id}", "/books", "/search"]
def rid(): return str(uuid.UUID(int=rnd.getrandbits(128)))
def request(w):
    r = rid(); fn = rnd.choice(fns); p = rnd.choice(paths); m = rnd.choice(["GET", "POST"])
    uri = f"https://lambda.{region}.amazonaws.com/2015-03-31/functions/{fn}/invocations"
    L = lambda s: w(f"({r}) {s}\n")
    L(f"Extended Request Id: {rnd.getrandbits(60):x}=")
    L(f"Verifying Usage Plan for request: {r}. API Key:  API Stage: uwe3g5jm54/Prod")
    L(f"API Key authorized because method '{m} {p}' does not require API Key. Request will not contribute to throttle or quota limits")
    L("Usage Plan check succeeded for API Key  and API Stage uwe3g5jm54/Prod")
    L(f"Starting execution for request: {r}")
    L(f"HTTP Method: {m}, Resource Path: {p}")
    L("Method request path: {}")
    L("Method request query string: {}")
    L("Method request headers: {Accept=application/json, User-Agent=curl/8.4.0, Host=uwe3g5jm54.execute-api.eu-west-2.amazonaws.com}")
    L("Method request body before transformations: ")
    L(f"Endpoint request URI: {uri}")
    L("Endpoint request body after transformations: {\"resource\":\"" + p + "\",\"path\":\"" + p + "\",\"httpMethod\":\"" + m + "\"} [TRUNCATED]")
    L(f"Sending request to {uri}")
    k = rnd.random()
    if k < 0.90:
        L(f"Received response. Integration latency: {rnd.randint(5,900)} ms")
        L("Endpoint response body before transformations: {\"statusCode\":200,\"body\":\"{\\\"ok\\\":true}\"}")
        L("Endpoint response headers: {Date=Wed, 27 Feb 2019 11:31:11 GMT, Content-Type=application/json, Content-Length=36, Connection=keep-alive}")
        L("Method response body after transformations: {\"ok\":true}")
        L("Method response headers: {X-Amzn-Trace-Id=Root=1-5c7674f4-a3491d0a9c8012c191821b83}")
        L("Successfully completed execution")
        L("Method completed with status: 200")
    elif k < 0.93:
        L("Received response. Integration latency: 12 ms")
        L("Endpoint response body before transformations: \"hello world\"")
        L("Execution failed due to configuration error: Malformed Lambda proxy response")
        L("Method completed with status: 502")
    elif k < 0.95:
        L("Execution failed due to configuration error: Invalid permissions on Lambda function")
        L("Method completed with status: 500")
    elif k < 0.97:
        L("Execution failed due to a timeout error")
        L("Method completed with status: 504")
    elif k < 0.99:
        L(f"Received response. Integration latency: {rnd.randint(100,3000)} ms")
        L("Endpoint response headers: {Content-Type=application/json, X-Amz-Function-Error=Unhandled}")
        L(f"Lambda execution failed with status 200 due to customer function error: KeyError: 'ORDER_TABLE'. Lambda request id: {rid()}")
        L("Method completed with status: 502")
    else:
        L(f"Lambda invocation failed with status: 429. Lambda request id: {rid()}")
        L("Execution failed due to configuration error: Rate Exceeded.")
        L("Method completed with status: 500")
    L(f"AWS Integration Endpoint RequestId : {rid()}")
    L(f"X-ray Tracing ID : 1-5c7674f4-{rnd.getrandbits(96):024x}")
target = int(size_mb * 1024 * 1024)
with open(out, "w", buffering=1 << 20) as f:
    n = 0
    def w(s):
        global n
        f.write(s); n += len(s)
    while n < target:
        request(w)
