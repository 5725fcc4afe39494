# lint-absolute-path-literals = fatal rejects an absolute path literal at parse time.
{ a = /etc/hosts; }
