"""Error pages that say what went wrong and what to do, never a bare traceback."""

from __future__ import annotations

from flask import Flask, Response, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back, reload the page and try again."),
    403: ("No permission", "Your account does not have permission to see this page or do this."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    500: ("Something went wrong", "The server could not finish your request; nothing was changed."),
}


def _page(code: int, message: str | None = None) -> tuple[str, int]:
    title, default = MESSAGES.get(code, ("Error", "The request could not be completed."))
    # Without a URL adapter (Werkzeug could not read the Host header) no url_for() can be built.
    template = "errors/error.html" if request_ctx.url_adapter is not None else "errors/bare.html"
    return render_template(template, title=title, message=message or default), code


def title_refused_forms(response: Response) -> Response:
    """Begin the title of a page re-shown with a form's errors (every refused form answers 422)
    with "Error: ": the title is what a screen reader says first when the page loads, and the
    tab tells everyone that the form was not accepted."""
    if response.status_code == 422 and response.mimetype == "text/html" and not response.is_streamed:
        body = response.get_data()
        if b"<title>" in body:
            response.set_data(body.replace(b"<title>", b"<title>Error: ", 1))
    return response


def init_app(app: Flask) -> None:
    app.after_request(title_refused_forms)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return _page(
            400,
            "The form's security token is missing or has expired. "
            "Go back, reload the page and send it again.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        # A description given where the error was raised says more than the page's default; Werkzeug's
        # own ("The browser (or proxy) sent...") says less.
        own = error.description if error.description != type(error).description else None
        return _page(code, own)
