package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar scaivault-testkit-<version>-server.jar admin <command>}: the control plane of a running dev
 * server from a shell, over its HTTP endpoints ({@link ControlPlane}). Exit status 0 on success, 1 when the
 * server refused or could not be reached, 2 for a bad command line.
 */
final class AdminCli {
    static final String USAGE = String.join(
            "\n",
            "Usage: java -jar " + Standalone.JAR + " admin <command> [arguments]",
            "           [--server URL] [--admin-token TOKEN] [--json]",
            "",
            "Rehearse failures against a running dev server (its control plane, /_devserver/...). Dev only.",
            "",
            "Commands:",
            "  leases                          List the live leases (id, engine/role, database user, expiry).",
            "  revoke LEASE_ID...              Revoke leases as an operator would: their roles' sessions end now.",
            "  expire LEASE_ID...              End leases as if their time were up.",
            "  cap LEASE_ID... [--within D]    No renewal past the current expiry (or past now + D): the client",
            "                                  moves to a new lease at its next renewal, a forced rotation without",
            "                                  a failed request.",
            "  rotate PATH [KEY=VALUE...] [--generate KEY]... [--grace D]",
            "                                  Write version N+1 of a secret (N's data with these changes) and",
            "                                  publish secret.rotated; version N stays readable for the grace",
            "                                  period (default 48h).",
            "  refuse DURATION                 Refuse every connection (ScaiVault is down) for DURATION.",
            "  fault ROUTE --for D (--status CODE [--retry-after D] | --latency D)",
            "                                  Answer every request matching ROUTE (\"METHOD /path/glob\", e.g.",
            "                                  \"* /v1/dynamic/**\") with an error, or slowly, for a while.",
            "  clear-faults                    Remove every fault.",
            "  mint-token SUBJECT [--ttl D] [--audience AUD]",
            "                                  Print a subject token (JWT) for POST /v1/auth/exchange.",
            "",
            "Options:",
            "  --server URL                    Default: $SCAIVAULT_URL, else http://127.0.0.1:8200.",
            "  --admin-token TOKEN             Default: $SCAIVAULT_DEV_ADMIN_TOKEN (printed by the server at start).",
            "  --json                          Print the server's JSON answer.",
            "");

    private AdminCli() {}

    /** A command line that cannot be run. */
    private static final class Usage extends RuntimeException {
        Usage(String message) {
            super(message, null, false, false);
        }
    }

    /** The server answered with an error, or could not be reached. */
    private static final class Failed extends RuntimeException {
        Failed(String message) {
            super(message, null, false, false);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            Parsed p = parse(args, env);
            p.out = out;
            if (p.help) {
                out.print(USAGE);
                out.flush();
                return 0;
            }
            execute(p, out);
            out.flush();
            return 0;
        } catch (Usage e) {
            err.println("scaivault dev server admin: " + e.getMessage());
            err.println("usage: java -jar " + Standalone.JAR + " admin <command> [...]   (admin --help: the commands)");
            err.flush();
            return 2;
        } catch (Failed e) {
            err.println("scaivault dev server admin: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    private static final class Parsed {
        String command;
        final List<String> positional = new ArrayList<>();
        final Map<String, List<String>> options = new java.util.LinkedHashMap<>();
        String server;
        String token;
        boolean json;
        boolean help;
        PrintStream out;

        String one(String option) {
            List<String> v = options.get(option);
            return v == null ? null : v.get(v.size() - 1);
        }

        List<String> all(String option) {
            return options.getOrDefault(option, List.of());
        }
    }

    private static final List<String> VALUED = List.of(
            "--server",
            "--admin-token",
            "--within",
            "--generate",
            "--grace",
            "--for",
            "--status",
            "--retry-after",
            "--latency",
            "--ttl",
            "--audience");

    private static Parsed parse(String[] args, Map<String, String> env) {
        Parsed p = new Parsed();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                p.help = true;
            } else if (a.equals("--json")) {
                p.json = true;
            } else if (a.startsWith("--")) {
                String name = a;
                String value = null;
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    value = a.substring(eq + 1);
                }
                if (!VALUED.contains(name)) {
                    throw new Usage("unknown option " + name);
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new Usage("option " + name + " needs a value");
                    }
                    value = args[++i];
                }
                p.options.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else if (p.command == null) {
                p.command = a;
            } else {
                p.positional.add(a);
            }
        }
        if (p.help) {
            return p;
        }
        if (p.command == null) {
            throw new Usage("which command? (leases, revoke, expire, cap, rotate, refuse, fault, clear-faults,"
                    + " mint-token)");
        }
        p.server = p.one("--server") != null
                ? p.one("--server")
                : env.getOrDefault("SCAIVAULT_URL", "http://127.0.0.1:8200");
        while (p.server.endsWith("/")) {
            p.server = p.server.substring(0, p.server.length() - 1);
        }
        p.token = p.one("--admin-token") != null ? p.one("--admin-token") : env.get("SCAIVAULT_DEV_ADMIN_TOKEN");
        if (p.token == null || p.token.isBlank()) {
            throw new Usage("no admin token: pass --admin-token or set SCAIVAULT_DEV_ADMIN_TOKEN (the server prints"
                    + " it at start)");
        }
        return p;
    }

    private static void execute(Parsed p, PrintStream out) {
        switch (p.command) {
            case "leases": {
                allowed(p);
                arity(p, 0, 0, "leases");
                JsonNode r = call(p, "GET", "leases", null);
                if (!p.json) {
                    for (JsonNode l : r.path("leases")) {
                        out.println(l.path("lease_id").asText() + "  "
                                + l.path("engine").asText() + '/'
                                + l.path("role").asText() + "  user "
                                + l.path("username").asText() + "  expires "
                                + l.path("expires_at").asText() + "  max "
                                + l.path("max_expires_at").asText());
                    }
                    if (r.path("leases").isEmpty()) {
                        out.println("no live leases");
                    }
                }
                return;
            }
            case "revoke":
            case "expire": {
                allowed(p);
                arity(p, 1, Integer.MAX_VALUE, p.command + " LEASE_ID...");
                for (String id : p.positional) {
                    call(p, "POST", "leases/" + segment(id) + '/' + p.command, null);
                    if (!p.json) {
                        out.println(p.command.equals("revoke") ? "revoked " + id : "expired " + id);
                    }
                }
                return;
            }
            case "cap": {
                allowed(p, "--within");
                arity(p, 1, Integer.MAX_VALUE, "cap LEASE_ID... [--within DURATION]");
                ObjectNode body = Json.obj();
                if (p.one("--within") != null) {
                    body.put("within", duration(p, "--within").toString());
                }
                for (String id : p.positional) {
                    JsonNode r = call(p, "POST", "leases/" + segment(id) + "/cap", body);
                    if (!p.json) {
                        out.println(
                                id + " capped: expires " + r.path("expires_at").asText() + ", no renewal past it");
                    }
                }
                return;
            }
            case "rotate": {
                allowed(p, "--generate", "--grace");
                arity(p, 1, Integer.MAX_VALUE, "rotate PATH [KEY=VALUE...] [--generate KEY]... [--grace DURATION]");
                ObjectNode body = Json.obj();
                ObjectNode data = Json.obj();
                for (String kv : p.positional.subList(1, p.positional.size())) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        // Never echo the argument: it may be a secret value.
                        throw new Usage("rotate: changes are KEY=VALUE; argument " + (p.positional.indexOf(kv) + 1)
                                + " has no '='");
                    }
                    data.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                if (!data.isEmpty()) {
                    body.set("data", data);
                }
                if (!p.all("--generate").isEmpty()) {
                    body.set("generate", Json.MAPPER.valueToTree(p.all("--generate")));
                }
                if (p.one("--grace") != null) {
                    body.put("grace", duration(p, "--grace").toString());
                }
                String path = p.positional.get(0);
                StringBuilder encoded = new StringBuilder();
                for (String seg : path.split("/", -1)) {
                    encoded.append(encoded.length() == 0 ? "" : "/").append(segment(seg));
                }
                JsonNode r = call(p, "POST", "rotate/" + encoded, body);
                if (!p.json) {
                    out.println(path + ": version " + r.path("version").asLong() + " (secret.rotated published)");
                }
                return;
            }
            case "refuse": {
                allowed(p);
                arity(p, 1, 1, "refuse DURATION");
                Duration d;
                try {
                    d = Durations.parseOption(p.positional.get(0), "refuse");
                } catch (IllegalArgumentException e) {
                    throw new Usage(e.getMessage());
                }
                call(p, "POST", "refuse", Json.obj().put("for", d.toString()));
                if (!p.json) {
                    out.println("refusing connections for " + human(d));
                }
                return;
            }
            case "fault": {
                allowed(p, "--for", "--status", "--retry-after", "--latency");
                arity(p, 1, 1, "fault ROUTE --for DURATION (--status CODE | --latency DURATION)");
                ObjectNode body = Json.obj().put("route", p.positional.get(0));
                if (p.one("--for") == null) {
                    throw new Usage("fault: --for DURATION is required");
                }
                body.put("for", duration(p, "--for").toString());
                if (p.one("--status") != null) {
                    try {
                        body.put("status", Integer.parseInt(p.one("--status")));
                    } catch (NumberFormatException e) {
                        throw new Usage("--status needs an HTTP status code, got '" + p.one("--status") + "'");
                    }
                }
                if (p.one("--retry-after") != null) {
                    body.put("retry_after", duration(p, "--retry-after").toString());
                }
                if (p.one("--latency") != null) {
                    body.put("latency", duration(p, "--latency").toString());
                }
                JsonNode r = call(p, "POST", "faults", body);
                if (!p.json) {
                    out.println(r.path("route").asText() + ": "
                            + r.path("fault").asText() + " for " + human(duration(p, "--for")));
                }
                return;
            }
            case "clear-faults": {
                allowed(p);
                arity(p, 0, 0, "clear-faults");
                call(p, "DELETE", "faults", null);
                if (!p.json) {
                    out.println("faults cleared");
                }
                return;
            }
            case "mint-token": {
                allowed(p, "--ttl", "--audience");
                arity(p, 1, 1, "mint-token SUBJECT [--ttl DURATION] [--audience AUDIENCE]");
                ObjectNode body = Json.obj().put("subject", p.positional.get(0));
                if (p.one("--ttl") != null) {
                    body.put("ttl", duration(p, "--ttl").toString());
                }
                if (p.one("--audience") != null) {
                    body.put("audience", p.one("--audience"));
                }
                JsonNode r = call(p, "POST", "subject-tokens", body);
                if (!p.json) {
                    out.println(r.path("subject_token").asText());
                }
                return;
            }
            default:
                throw new Usage("unknown command " + p.command);
        }
    }

    /** Options other than the server, the token and {@code --json} must belong to the command. */
    private static void allowed(Parsed p, String... options) {
        for (String o : p.options.keySet()) {
            if (!o.equals("--server")
                    && !o.equals("--admin-token")
                    && !List.of(options).contains(o)) {
                throw new Usage(p.command + " takes no option " + o);
            }
        }
    }

    private static void arity(Parsed p, int min, int max, String form) {
        if (p.positional.size() < min || p.positional.size() > max) {
            throw new Usage("usage: " + form);
        }
    }

    private static Duration duration(Parsed p, String option) {
        try {
            return Durations.parseOption(p.one(option), option);
        } catch (IllegalArgumentException e) {
            throw new Usage(e.getMessage());
        }
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    /** A lease id or path segment, percent-encoded where it must be. */
    private static String segment(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode call(Parsed p, String method, String path, JsonNode body) {
        URI uri;
        try {
            uri = URI.create(p.server + '/' + ControlPlane.PREFIX + '/' + path);
        } catch (IllegalArgumentException e) {
            throw new Usage("--server " + p.server + " is not a URL");
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + p.token)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> r;
        try {
            r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(rb.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failed("cannot reach the dev server at " + p.server + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
        JsonNode json;
        try {
            json = r.body().isEmpty() ? Json.obj() : Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new Failed(method + ' ' + uri.getPath() + ": HTTP " + r.statusCode() + " without a JSON answer"
                    + " (is " + p.server + " a dev server?)");
        }
        if (r.statusCode() >= 300) {
            JsonNode err = json.path("error");
            throw new Failed(method + ' ' + uri.getPath() + ": HTTP " + r.statusCode() + ' '
                    + err.path("code").asText("") + ": " + err.path("message").asText(r.body()));
        }
        if (p.json && !json.isEmpty()) {
            p.out.println(json.toPrettyString());
        }
        return json;
    }
}
