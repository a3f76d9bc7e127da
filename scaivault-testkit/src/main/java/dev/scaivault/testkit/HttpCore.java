package dev.scaivault.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLServerSocketFactory;

/**
 * A small HTTP/1.1 server on a plain {@link ServerSocket}, one thread per connection (so a long poll never
 * holds up other requests), with keep-alive. Written by hand rather than on {@code com.sun.net.httpserver}
 * because fault injection needs the socket: closing it after reading a request, sending a short body,
 * and closing the listener and re-opening it on the same port.
 */
final class HttpCore implements AutoCloseable {
    static final int MAX_BODY = 16 * 1024 * 1024;
    private static final int MAX_LINE = 64 * 1024;
    /** Longer than OkHttp's 5 minute pool keep-alive, so the server is never the side that closes an idle one. */
    private static final int IDLE_TIMEOUT_MS = 10 * 60 * 1000;

    record Request(
            String method,
            String target,
            String path,
            String rawQuery,
            Map<String, List<String>> headers,
            byte[] body,
            InetAddress remote) {
        String header(String name) {
            List<String> v = headers.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    static final class Response {
        int status;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body = new byte[0];
        boolean drop;
        boolean truncate;
        /** Runs on the connection's thread once the answer is written (the control plane's refusal). */
        Runnable afterWrite;

        Response(int status) {
            this.status = status;
        }
    }

    interface Handler {
        Response handle(Request request);
    }

    private final InetAddress address;
    private final Handler handler;
    /** {@code null}: plain HTTP. */
    private final SSLServerSocketFactory tls;

    private final ExecutorService connections = Executors.newCachedThreadPool(DaemonThreads.factory("devserver-conn"));
    private final Set<Socket> live = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private int port;
    private ServerSocket listener;
    private Thread acceptor;
    private volatile boolean closed;

    HttpCore(InetAddress address, int port, Handler handler) {
        this(address, port, handler, null);
    }

    /** HTTPS when {@code tls} is given: the TLS handshake happens on the connection's thread, at its first read. */
    HttpCore(InetAddress address, int port, Handler handler, SSLServerSocketFactory tls) {
        this.address = address;
        this.port = port;
        this.handler = handler;
        this.tls = tls;
        listen();
    }

    int port() {
        return port;
    }

    /** Opens the listener (again) on the same port. */
    void listen() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the dev server is closed");
            }
            if (listener != null) {
                return;
            }
            try {
                ServerSocket ss = tls == null ? new ServerSocket() : tls.createServerSocket();
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(address, port), 512);
                listener = ss;
                port = ss.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + address.getHostAddress() + ':' + port, e);
            }
            ServerSocket ss = listener;
            acceptor = DaemonThreads.factory("devserver-accept-" + port).newThread(() -> acceptLoop(ss));
            acceptor.start();
        }
    }

    /** Closes the listener and every open connection: new connects are refused until {@link #listen()}. */
    void stopListening() {
        synchronized (lock) {
            if (listener != null) {
                closeQuietly(listener);
                listener = null;
                // The kernel keeps the listening socket until the blocked accept() returns: wait for it, or a
                // connect right after this call could still succeed.
                try {
                    acceptor.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                acceptor = null;
            }
        }
        for (Socket s : live) {
            closeQuietly(s);
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        stopListening();
        connections.shutdownNow();
    }

    private void acceptLoop(ServerSocket ss) {
        while (!ss.isClosed()) {
            Socket s;
            try {
                s = ss.accept();
            } catch (IOException e) {
                return;
            }
            if (ss.isClosed()) {
                closeQuietly(s);
                return;
            }
            live.add(s);
            try {
                connections.execute(() -> serve(s));
            } catch (RuntimeException rejected) {
                live.remove(s);
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(IDLE_TIMEOUT_MS);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (!s.isClosed()) {
                Request req = read(in, out, s.getInetAddress());
                if (req == null) {
                    return;
                }
                Response resp = handler.handle(req);
                if (resp.drop) {
                    return;
                }
                boolean keepAlive = !resp.truncate && keepAlive(req);
                write(out, resp, keepAlive);
                if (resp.afterWrite != null) {
                    resp.afterWrite.run();
                }
                if (!keepAlive) {
                    return;
                }
            }
        } catch (BadRequest e) {
            try {
                Response r = new Response(400);
                r.headers.put("Content-Type", "text/plain; charset=utf-8");
                r.headers.put("X-Request-ID", "req_" + Ids.hex(24));
                r.body = e.getMessage().getBytes(StandardCharsets.UTF_8);
                write(s.getOutputStream(), r, false);
            } catch (IOException ignored) {
                // The peer is gone; nothing left to tell it.
            }
        } catch (IOException | RuntimeException e) {
            // A reset or closed socket ends this connection; the client sees it.
        } finally {
            live.remove(s);
            closeQuietly(s);
        }
    }

    private static boolean keepAlive(Request req) {
        String c = req.header("Connection");
        return c == null || !c.toLowerCase(Locale.ROOT).contains("close");
    }

    private static final class BadRequest extends IOException {
        BadRequest(String message) {
            super(message);
        }
    }

    private static Request read(InputStream in, OutputStream out, InetAddress remote) throws IOException {
        String line = readLine(in);
        while (line != null && line.isEmpty()) {
            line = readLine(in); // tolerate stray CRLF between requests
        }
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new BadRequest("malformed request line");
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        int count = 0;
        for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
            if (++count > 200) {
                throw new BadRequest("too many headers");
            }
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new BadRequest("malformed header line");
            }
            headers.computeIfAbsent(h.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        if (parts[2].equals("HTTP/1.0") && !headers.containsKey("Connection")) {
            headers.put("Connection", List.of("close"));
        }
        String expect = first(headers, "Expect");
        if (expect != null && expect.equalsIgnoreCase("100-continue")) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        byte[] body;
        String te = first(headers, "Transfer-Encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else {
            String cl = first(headers, "Content-Length");
            long n;
            try {
                n = cl == null ? 0 : Long.parseLong(cl.trim());
            } catch (NumberFormatException e) {
                throw new BadRequest("bad Content-Length");
            }
            if (n < 0 || n > MAX_BODY) {
                throw new BadRequest("request body too large");
            }
            body = in.readNBytes((int) n);
            if (body.length != n) {
                return null;
            }
        }
        String target = parts[1];
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String query = q < 0 ? "" : target.substring(q + 1);
        return new Request(parts[0].toUpperCase(Locale.ROOT), target, path, query, headers, body, remote);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new BadRequest("truncated chunked body");
            }
            int semi = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new BadRequest("bad chunk size");
            }
            if (size == 0) {
                for (String t = readLine(in); t != null && !t.isEmpty(); t = readLine(in)) {
                    // trailers are ignored
                }
                return buf.toByteArray();
            }
            if (buf.size() + size > MAX_BODY) {
                throw new BadRequest("request body too large");
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length != size) {
                throw new BadRequest("truncated chunked body");
            }
            buf.write(chunk);
            readLine(in);
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c == -1) {
                return sb.length() == 0 ? null : sb.toString();
            }
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new BadRequest("line too long");
            }
            sb.append((char) c);
        }
    }

    private static void write(OutputStream out, Response r, boolean keepAlive) throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append("HTTP/1.1 ")
                .append(r.status)
                .append(' ')
                .append(reason(r.status))
                .append("\r\n");
        if (!r.headers.containsKey("Date")) {
            head.append("Date: ")
                    .append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
                    .append("\r\n");
        }
        for (Map.Entry<String, String> h : r.headers.entrySet()) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        boolean noBody = r.status == 204 || r.status == 304 || r.status < 200;
        if (!noBody) {
            head.append("Content-Length: ").append(r.body.length).append("\r\n");
        }
        head.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (!noBody) {
            out.write(r.body, 0, r.truncate ? r.body.length / 2 : r.body.length);
        }
        out.flush();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is best effort
        }
    }

    static String reason(int status) {
        switch (status) {
            case 200:
                return "OK";
            case 201:
                return "Created";
            case 204:
                return "No Content";
            case 400:
                return "Bad Request";
            case 401:
                return "Unauthorized";
            case 403:
                return "Forbidden";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 409:
                return "Conflict";
            case 422:
                return "Unprocessable Entity";
            case 429:
                return "Too Many Requests";
            case 500:
                return "Internal Server Error";
            case 502:
                return "Bad Gateway";
            case 503:
                return "Service Unavailable";
            case 504:
                return "Gateway Timeout";
            default:
                return "Status " + status;
        }
    }
}
