package dev.scaivault.testkit;

import java.util.Map;

/**
 * An error answer in the ScaiVault envelope. Messages name paths, ids and settings, never a secret value,
 * because clients copy them into exceptions and logs.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String code;
    final Map<String, ?> details;
    final Map<String, String> headers;

    ApiError(int status, String code, String message) {
        this(status, code, message, Map.of(), Map.of());
    }

    ApiError(int status, String code, String message, Map<String, ?> details) {
        this(status, code, message, details, Map.of());
    }

    ApiError(int status, String code, String message, Map<String, ?> details, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.headers = headers;
    }

    static ApiError badRequest(String code, String message) {
        return new ApiError(400, code, message);
    }

    static ApiError notFound(String code, String message) {
        return new ApiError(404, code, message);
    }

    static ApiError unauthorized(String code, String message) {
        return new ApiError(401, code, message);
    }
}
