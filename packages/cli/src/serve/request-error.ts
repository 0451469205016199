/** A problem with a scoring request: answered with its HTTP status and a JSON body in MLflow's error shape. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string, readonly details: string[] = []) {
    super(message);
  }

  /** The response body: `{error_code, message, details}` as MLflow's scoring server answers. */
  body(): { error_code: string; message: string; details?: string[] } {
    const code = this.status === 413 ? 'REQUEST_LIMIT_EXCEEDED' : this.status === 404 ? 'ENDPOINT_NOT_FOUND' : this.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
    return { error_code: code, message: this.message, ...(this.details.length > 0 ? { details: this.details } : {}) };
  }
}
