namespace CareLedger.Fhir.Api;

/// <summary>A body of bytes with a content type and any status (Results.Bytes is always 200).</summary>
internal sealed class BytesResult(byte[] body, string contentType, int status) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = contentType;
        httpContext.Response.ContentLength = body.Length;
        return httpContext.Response.Body.WriteAsync(body).AsTask();
    }
}
