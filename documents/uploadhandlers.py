"""An upload handler that keeps at most ``WSA_UPLOAD_MAX_BYTES + 1`` bytes of each uploaded file.

It runs before Django's memory and temporary-file handlers and hands them only the first bytes of
a file; the rest is read off the connection and dropped. An oversized file therefore arrives at
the view with ``limit + 1`` bytes, which ``documents.services.validate_upload`` refuses with the
"file too large" message, and a 2 GB upload never fills the disk or the memory of a web worker.
(The reverse proxy should still cap the request body, e.g. nginx ``client_max_body_size``.)
"""

from django.core.files.uploadhandler import FileUploadHandler


class UploadLimitHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        from .services import upload_max_bytes

        self.keep = upload_max_bytes() + 1

    def receive_data_chunk(self, raw_data, start):
        room = self.keep - start
        if room <= 0:
            return None  # dropped: the next handlers never see it
        return raw_data if len(raw_data) <= room else raw_data[:room]

    def file_complete(self, file_size):
        return None  # the next handler builds the file from what it was given
