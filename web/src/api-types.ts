/**
 * GENERATED FILE: do not edit. Tollgate's REST API as TypeScript types, written by openapi-typescript
 * from the OpenAPI document (GET /api/v4/openapi.json) that the route and presenter schemas
 * (src/http/routes, src/http/presenters) produce. After changing a schema, run
 *
 *     npm run generate:api-types
 *
 * and commit the result (test/operations/api-types.test.ts fails while this file is out of date).
 */

export interface paths {
    "/jwt/auth": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Container registry token (docker login, docker pull and push; skopeo)
         * @description GitLab's JWT auth for a docker distribution registry: HTTP Basic with any non-blank username and a personal, group or project access token as the password, or no credentials for public images. Pull needs read_registry, read_api or api and Reporter (or a public project, or an internal one); push needs write_registry or api, Developer, and pull; delete and * need api and Maintainer.
         */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description The registry asking: container_registry
                     * @example container_registry
                     */
                    service?: string;
                    /**
                     * @description What the client wants, `repository:<project full path>[/<image>]:<actions>` (pull, push, delete, *) or `registry:catalog:*`; repeatable, and each may hold several separated by spaces
                     * @example [
                     *       "repository:my-group/my-project:pull,push"
                     *     ]
                     */
                    scope?: string[];
                    /** @description The client's username; accepted and not used */
                    account?: string;
                    /** @description Accepted and not used */
                    client_id?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A token granting what the caller may do to the images asked for; what is not granted is left out of its `access` claim */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The JWT (RS256) for `Authorization: Bearer` at the registry */
                            token: string;
                            /** @description The same JWT (Docker token spec: both may appear) */
                            access_token: string;
                            /** @description Seconds the token is valid (the container_registry_token_expire_delay setting, default 300) */
                            expires_in: number;
                            /**
                             * Format: date-time
                             * @description When it was issued (RFC 3339, UTC)
                             */
                            issued_at: string;
                        };
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description An unknown, expired, revoked or rotated-away token (counted towards the Git IP ban) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "errors": [
                         *         {
                         *           "code": "UNAUTHORIZED",
                         *           "message": "HTTP Basic: Access denied. Use any non-blank username and a personal or group access token as the password. If a token was provided, it was either incorrect, expired, or revoked."
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            errors: {
                                code: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description The token has no registry scope, an anonymous caller was granted nothing, a blocked account, or a banned IP address */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "errors": [
                         *         {
                         *           "code": "DENIED",
                         *           "message": "access forbidden"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            errors: {
                                code: string;
                                message: string;
                            }[];
                        };
                    };
                };
                /** @description No TOLLGATE_REGISTRY_URL; or, with an empty body, a service other than container_registry */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        /**
                         * @example {
                         *       "errors": [
                         *         {
                         *           "code": "UNAVAILABLE",
                         *           "message": "registry not enabled"
                         *         }
                         *       ]
                         *     }
                         */
                        "application/json": {
                            errors: {
                                code: string;
                                message: string;
                            }[];
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/version": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Version of the server */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Version of the server */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Version"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/metadata": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Metadata of the server */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Metadata of the server */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Metadata"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/user": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The authenticated user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A user (GitLab's User, with the UserWithAdmin fields for administrators) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users */
        get: {
            parameters: {
                query?: {
                    username?: string;
                    search?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The users, one page (see the pagination headers): User for administrators, UserBasic for others. Anonymously, only with `username` (else 403). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": (components["schemas"]["User"] | components["schemas"]["UserBasic"])[];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Create a user (administrators) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "email": "ada@example.com",
                     *       "username": "ada",
                     *       "name": "Ada Lovelace",
                     *       "password": "correct-horse-battery"
                     *     }
                     */
                    "application/json": {
                        email: string;
                        username: string;
                        name: string;
                        password?: string;
                        admin?: boolean;
                        external?: boolean;
                        skip_confirmation?: boolean;
                        reset_password?: boolean;
                        force_random_password?: boolean;
                    };
                };
            };
            responses: {
                /** @description A user (GitLab's User, with the UserWithAdmin fields for administrators) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Conflicts with an existing record */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a user */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the user */
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A user (GitLab's User, with the UserWithAdmin fields for administrators) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/users/{id}/personal_access_tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a personal access token for a user (administrators) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the user */
                    id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        description?: string;
                        scopes: string[];
                        /**
                         * Format: date
                         * @description Expiry date (midnight UTC); defaults to the maximum lifetime
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                        /**
                         * @description Tollgate's own: the networks the token may be used from (IPv4 or IPv6 CIDRs or plain addresses, at most 50); from anywhere else it is refused (401). Default: anywhere
                         * @example [
                         *       "10.0.0.0/8",
                         *       "2001:db8::/32"
                         *     ]
                         */
                        allowed_cidrs?: string[];
                    };
                };
            };
            responses: {
                /** @description A personal access token with the token itself: the answer of create and rotate */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/personal_access_tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List personal access tokens (yours; an administrator's: everyone's, or one user's) */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description active: not revoked and not expired; inactive: revoked or expired
                     * @example inactive
                     */
                    state?: "active" | "inactive";
                    /**
                     * @description true: revoked tokens only; false: not revoked
                     * @example false
                     */
                    revoked?: boolean;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_before?: string;
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Last used at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_before?: string;
                    /**
                     * @description Last used at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_after?: string;
                    /**
                     * @description Expiring before this date
                     * @example 2027-01-31
                     */
                    expires_before?: string;
                    /**
                     * @description Expiring on or after this date
                     * @example 2027-01-31
                     */
                    expires_after?: string;
                    /**
                     * @description Terms of 3+ characters that the name must all contain (GitLab's fuzzy search)
                     * @example deploy
                     */
                    search?: string;
                    /**
                     * @description name_asc, name_desc, created_asc, created_desc, expires_asc, expires_desc, last_used_asc, last_used_desc, …; unknown values are ignored
                     * @example name_asc
                     */
                    sort?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                    user_id?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The tokens, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessToken"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/user/personal_access_tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a personal access token for yourself
         * @description With a token, GitLab's limit: only the k8s_proxy and self_rotate scopes (others: 400 `scopes does not have a valid value`). Signed in to the web UI (a browser session), any personal scope available to you, as GitLab's User Settings page allows.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        description?: string;
                        scopes: string[];
                        /**
                         * Format: date
                         * @description Expiry date (midnight UTC); defaults to the maximum lifetime
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                        /**
                         * @description Tollgate's own: the networks the token may be used from (IPv4 or IPv6 CIDRs or plain addresses, at most 50); from anywhere else it is refused (401). Default: anywhere
                         * @example [
                         *       "10.0.0.0/8",
                         *       "2001:db8::/32"
                         *     ]
                         */
                        allowed_cidrs?: string[];
                    };
                };
            };
            responses: {
                /** @description A personal access token with the token itself: the answer of create and rotate */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/personal_access_tokens/self": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The token used to authenticate */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A personal access token (GitLab's PersonalAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Revoke the token used to authenticate */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/personal_access_tokens/self/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate the token used to authenticate (api or self_rotate scope) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token; defaults to one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A personal access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/personal_access_tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a personal access token */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the personal access token */
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A personal access token (GitLab's PersonalAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Revoke a personal access token */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the personal access token */
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/personal_access_tokens/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rotate a personal access token */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the personal access token */
                    id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token; defaults to one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A personal access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the groups you can see */
        get: {
            parameters: {
                query?: {
                    search?: string;
                    owned?: boolean;
                    min_access_level?: 10 | 15 | 20 | 30 | 40 | 50;
                    top_level_only?: boolean;
                    /** @description Every group you can see, not only those you are a member of (default false, true for administrators) */
                    all_available?: boolean;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The groups, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Group"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Create a group or, with parent_id, a subgroup */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        path: string;
                        parent_id?: number;
                        description?: string;
                        /**
                         * @description private, internal or public
                         * @enum {string}
                         */
                        visibility?: "private" | "internal" | "public";
                    };
                };
            };
            responses: {
                /** @description A group (GitLab's Group entity) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Group"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a group */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A group (GitLab's Group entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Group"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Update a group (Owners) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "resource_access_token_creation_allowed": false
                     *     }
                     */
                    "application/json": {
                        name?: string;
                        description?: string;
                        /**
                         * @description private, internal or public
                         * @enum {string}
                         */
                        visibility?: "private" | "internal" | "public";
                        /** @description Top-level groups only: whether users can create project and group access tokens in this group hierarchy */
                        resource_access_token_creation_allowed?: boolean;
                        /** @description Send token expiry emails to inherited Owners too (cascades to subgroups); null inherits */
                        resource_access_token_notify_inherited?: boolean | null;
                        /** @description Subgroups cannot override resource_access_token_notify_inherited */
                        lock_resource_access_token_notify_inherited?: boolean;
                    };
                };
            };
            responses: {
                /** @description A group (GitLab's Group entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Group"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a group with its subgroups and projects (Owners) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted, with its subgroups, projects and their repositories */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @example 202 Accepted */
                            message: string;
                        };
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/abilities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What you may do on a group (Tollgate's own)
         * @description GitLab's abilities for the caller on this group, computed by the rules the API enforces, for clients that show or hide actions (Tollgate's web UI). Not in GitLab's API.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Your abilities on the group */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Change the settings of the group and delete it (Owners) */
                            admin_group: boolean;
                            /** @description Add, change and remove members (Owners) */
                            admin_group_member: boolean;
                            /** @description Create subgroups (Maintainers) */
                            create_subgroup: boolean;
                            /** @description Create projects (Developers) */
                            create_projects: boolean;
                            /** @description List, read and revoke group access tokens (Owners) */
                            read_resource_access_tokens: boolean;
                            /** @description Create and rotate group access tokens (Owners, when the top-level group allows it; never a bot) */
                            create_resource_access_token: boolean;
                            /** @description Your role: your highest membership of the group or a group above it, administrators counting as Owner (0: none). Also the highest role you may give a token */
                            access_level: number;
                        };
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/subgroups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the subgroups of a group */
        get: {
            parameters: {
                query?: {
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The groups, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Group"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the projects of a group */
        get: {
            parameters: {
                query?: {
                    include_subgroups?: boolean;
                    search?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The projects, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Project"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the direct members of a group */
        get: {
            parameters: {
                query?: {
                    query?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The members, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Add a member to a group (Owners) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "user_id": 42,
                     *       "access_level": 30
                     *     }
                     */
                    "application/json": {
                        user_id: number;
                        /**
                         * @description 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
                         * @enum {integer}
                         */
                        access_level: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Membership expiry
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                    };
                };
            };
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Conflicts with an existing record */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/members/all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the members of a group, inherited ones included */
        get: {
            parameters: {
                query?: {
                    query?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The members, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/members/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a direct member of a group */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Change a member's role (Owners) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "access_level": 40
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
                         * @enum {integer}
                         */
                        access_level: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Membership expiry; null removes it
                         */
                        expires_at?: string | null;
                    };
                };
            };
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a member from a group */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/members/all/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a member of a group, inherited memberships included */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the direct members of a project */
        get: {
            parameters: {
                query?: {
                    query?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The members, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Add a member to a project (Maintainers) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "user_id": 42,
                     *       "access_level": 30
                     *     }
                     */
                    "application/json": {
                        user_id: number;
                        /**
                         * @description 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
                         * @enum {integer}
                         */
                        access_level: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Membership expiry
                         * @example 2027-01-31
                         */
                        expires_at?: string;
                    };
                };
            };
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Conflicts with an existing record */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/members/all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the members of a project, inherited ones included */
        get: {
            parameters: {
                query?: {
                    query?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The members, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/members/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a direct member of a project */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Change a member's role (Maintainers) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "access_level": 40
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
                         * @enum {integer}
                         */
                        access_level: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Membership expiry; null removes it
                         */
                        expires_at?: string | null;
                    };
                };
            };
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        /** Remove a member from a project */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/members/all/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a member of a project, inherited memberships included */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    user_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Member"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the projects you can see */
        get: {
            parameters: {
                query?: {
                    search?: string;
                    membership?: boolean;
                    visibility?: "private" | "internal" | "public";
                    simple?: boolean;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The projects, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Project"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Create a project in a group */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "api-server",
                     *       "namespace_id": "7",
                     *       "visibility": "internal"
                     *     }
                     */
                    "application/json": {
                        name?: string;
                        path?: string;
                        /** @description ID or full path of the group */
                        namespace_id: string;
                        description?: string;
                        /** @enum {string} */
                        visibility?: "private" | "internal" | "public";
                    };
                };
            };
            responses: {
                /** @description A project (GitLab's Project entity, the fields Tollgate has) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Project"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/abilities": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * What you may do on a project (Tollgate's own)
         * @description GitLab's abilities for the caller on this project, computed by the rules the API enforces, for clients that show or hide actions (Tollgate's web UI). Not in GitLab's API.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Your abilities on the project */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description Change the project's settings (Maintainers) */
                            admin_project: boolean;
                            /** @description List, read and revoke project access tokens (Maintainers) */
                            read_resource_access_tokens: boolean;
                            /** @description Create and rotate project access tokens (Maintainers, when the top-level group allows it; never a bot) */
                            create_resource_access_token: boolean;
                            /** @description Your role: the highest of your project membership and your memberships of the groups above it, administrators counting as Owner (0: none). Also the highest role you may give a token */
                            access_level: number;
                        };
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a project */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A project (GitLab's Project entity, the fields Tollgate has) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Project"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/issues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the issues of a project */
        get: {
            parameters: {
                query?: {
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The issues, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Issue"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Open an issue (authored by the caller: a bot, when a group access token calls) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "title": "Nightly build failed",
                     *       "description": "Opened by the CI bot"
                     *     }
                     */
                    "application/json": {
                        title: string;
                        description?: string;
                    };
                };
            };
            responses: {
                /** @description An issue (GitLab's Issue entity, the fields Tollgate has) */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Issue"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/issues/{iid}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get an issue */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path */
                    id: string;
                    iid: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An issue (GitLab's Issue entity, the fields Tollgate has) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Issue"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/application/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The instance settings (administrators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The instance settings (GitLab's ApplicationSetting, the settings Tollgate honours) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApplicationSettings"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Change instance settings (administrators) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "max_personal_access_token_lifetime": 90,
                     *       "token_reuse_detection": "any_use"
                     *     }
                     */
                    "application/json": {
                        /** @description Prefix of new tokens (default glpat-) */
                        personal_access_token_prefix?: string;
                        /** @description Maximum token lifetime in days, 1..400 (default 365) */
                        max_personal_access_token_lifetime?: number;
                        /** @description Tokens must expire (default true) */
                        require_personal_access_token_expiry?: boolean;
                        /** @description Days after which bots whose tokens are all inactive are removed; null keeps them (default 30) */
                        inactive_resource_access_tokens_delete_after_days?: number | null;
                        /**
                         * @description rotate (GitLab), any_use, or off
                         * @enum {string}
                         */
                        token_reuse_detection?: "rotate" | "any_use" | "off";
                        resource_access_token_notify_inherited?: boolean;
                        lock_resource_access_token_notify_inherited?: boolean;
                        /** @description Git and the container registry: ban an IP address after repeated failed authentications (default true) */
                        failed_auth_ban_enabled?: boolean;
                        /** @description Failed authentications from one IP address before a ban (default 30) */
                        failed_auth_ban_max_attempts?: number;
                        /** @description The window, in seconds, in which those failures count (default 180) */
                        failed_auth_ban_find_time_seconds?: number;
                        /** @description How long a ban lasts, in seconds (default 3600) */
                        failed_auth_ban_duration_seconds?: number;
                        /** @description The API and forward auth: failed token authentications from one IP address per minute before its token requests answer 429; 0 turns the throttle off (default 100) */
                        api_failed_auth_limit_per_minute?: number;
                        /** @description IP addresses and CIDR networks the throttle never holds back, e.g. monitoring hosts (default none, loopback included) */
                        failed_auth_throttle_allowlist?: string[];
                        /** @description Tokens (personal, group, project) one user may create per minute; 0: no limit (default 60) */
                        token_creations_limit_per_minute?: number;
                        allow_local_requests_from_web_hooks_and_services?: boolean;
                        /** @description Minutes a container registry token is valid (default 5) */
                        container_registry_token_expire_delay?: number;
                        /** @description POST /credentials/revoke calls allowed per IP per hour (default 60) */
                        credentials_revoke_limit_per_hour?: number;
                    };
                };
            };
            responses: {
                /** @description The instance settings, changed */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApplicationSettings"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/access_tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List group access tokens
         * @description Every token of the group's bots (direct members), active and inactive, filtered and sorted; Owners and administrators. Others: 401.
         */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description active: not revoked and not expired; inactive: revoked or expired
                     * @example inactive
                     */
                    state?: "active" | "inactive";
                    /**
                     * @description true: revoked tokens only; false: not revoked
                     * @example false
                     */
                    revoked?: boolean;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_before?: string;
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Last used at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_before?: string;
                    /**
                     * @description Last used at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_after?: string;
                    /**
                     * @description Expiring before this date
                     * @example 2027-01-31
                     */
                    expires_before?: string;
                    /**
                     * @description Expiring on or after this date
                     * @example 2027-01-31
                     */
                    expires_after?: string;
                    /**
                     * @description Terms of 3+ characters that the name must all contain (GitLab's fuzzy search)
                     * @example deploy
                     */
                    search?: string;
                    /**
                     * @description name_asc, name_desc, created_asc, created_desc, expires_asc, expires_desc, last_used_asc, last_used_desc, …; unknown values are ignored
                     * @example name_asc
                     */
                    sort?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The tokens, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessToken"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a group access token
         * @description Owners and administrators, when the top-level group allows it; never with an access token. The response is the only time the token is shown.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "test_token",
                     *       "scopes": [
                     *         "api",
                     *         "read_repository"
                     *       ],
                     *       "expires_at": "2027-01-31",
                     *       "access_level": 30,
                     *       "description": "Deploys from CI"
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description Name of the token, also the name of its bot user (at most 255 characters)
                         * @example test_token
                         */
                        name: string;
                        /**
                         * @description Scopes of the token, at least one of: api, read_api, read_repository, write_repository, read_registry, write_registry, read_virtual_registry, write_virtual_registry, create_runner, manage_runner, ai_features, k8s_proxy, self_rotate
                         * @example [
                         *       "api",
                         *       "read_repository"
                         *     ]
                         */
                        scopes: ("api" | "read_api" | "read_repository" | "write_repository" | "read_registry" | "write_registry" | "read_virtual_registry" | "write_virtual_registry" | "create_runner" | "manage_runner" | "ai_features" | "k8s_proxy" | "self_rotate")[];
                        /**
                         * @description Description of the token (at most 255 characters)
                         * @example Deploys from CI
                         */
                        description?: string;
                        /**
                         * @description Role of the token: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer (default), 50 Owner; never above your own
                         * @example 30
                         * @enum {integer}
                         */
                        access_level?: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Expiry date (YYYY-MM-DD; the token stops working at 00:00 UTC that day), at most the maximum lifetime from today. Default: today + the maximum lifetime (365 days unless an administrator changed it); never, when expiry is not required
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the networks the token may be used from (IPv4 or IPv6 CIDRs or plain addresses, at most 50); from anywhere else it is refused (401). Default: anywhere
                         * @example [
                         *       "10.0.0.0/8",
                         *       "2001:db8::/32"
                         *     ]
                         */
                        allowed_cidrs?: string[];
                    };
                };
            };
            responses: {
                /** @description A group access token with the token itself: the answer of create and rotate */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/access_tokens/self": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the group access token used to authenticate
         * @description Only with a group access token of this group (another group's: 401; a personal access token or a browser session: 405).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A group access token (GitLab's ResourceAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not possible with this kind of credentials */
                405: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/access_tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a group access token
         * @description Owners and administrators (others: 401).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /**
                     * @description ID of a group access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A group access token (GitLab's ResourceAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Revoke a group access token
         * @description Owners and administrators. The bot user is kept; the token stays listed as inactive.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /**
                     * @description ID of a group access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/access_tokens/self/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the group access token used to authenticate
         * @description Needs the api or self_rotate scope. The old token is revoked at once (or, with `grace_period_seconds`, when its window ends); presenting it again once revoked revokes its successors (reuse detection).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A group access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not possible with this kind of credentials */
                405: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/access_tokens/{token_id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a group access token
         * @description Revokes the token and returns its successor (same bot, name, description, scopes and role, new id). Owners and administrators; others: 401.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /**
                     * @description ID of a group access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A group access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/access_tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List project access tokens
         * @description Every token of the project's bots (direct members), active and inactive, filtered and sorted; Maintainers, Owners and administrators. Others: 401.
         */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description active: not revoked and not expired; inactive: revoked or expired
                     * @example inactive
                     */
                    state?: "active" | "inactive";
                    /**
                     * @description true: revoked tokens only; false: not revoked
                     * @example false
                     */
                    revoked?: boolean;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_before?: string;
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Last used at or before (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_before?: string;
                    /**
                     * @description Last used at or after (ISO 8601)
                     * @example 2026-01-31T00:00:00Z
                     */
                    last_used_after?: string;
                    /**
                     * @description Expiring before this date
                     * @example 2027-01-31
                     */
                    expires_before?: string;
                    /**
                     * @description Expiring on or after this date
                     * @example 2027-01-31
                     */
                    expires_after?: string;
                    /**
                     * @description Terms of 3+ characters that the name must all contain (GitLab's fuzzy search)
                     * @example deploy
                     */
                    search?: string;
                    /**
                     * @description name_asc, name_desc, created_asc, created_desc, expires_asc, expires_desc, last_used_asc, last_used_desc, …; unknown values are ignored
                     * @example name_asc
                     */
                    sort?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The tokens, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessToken"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /**
         * Create a project access token
         * @description Maintainers, Owners and administrators, when the top-level group allows it; never with an access token. The response is the only time the token is shown.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "name": "test_token",
                     *       "scopes": [
                     *         "api",
                     *         "read_repository"
                     *       ],
                     *       "expires_at": "2027-01-31",
                     *       "access_level": 30,
                     *       "description": "Deploys from CI"
                     *     }
                     */
                    "application/json": {
                        /**
                         * @description Name of the token, also the name of its bot user (at most 255 characters)
                         * @example test_token
                         */
                        name: string;
                        /**
                         * @description Scopes of the token, at least one of: api, read_api, read_repository, write_repository, read_registry, write_registry, read_virtual_registry, write_virtual_registry, create_runner, manage_runner, ai_features, k8s_proxy, self_rotate
                         * @example [
                         *       "api",
                         *       "read_repository"
                         *     ]
                         */
                        scopes: ("api" | "read_api" | "read_repository" | "write_repository" | "read_registry" | "write_registry" | "read_virtual_registry" | "write_virtual_registry" | "create_runner" | "manage_runner" | "ai_features" | "k8s_proxy" | "self_rotate")[];
                        /**
                         * @description Description of the token (at most 255 characters)
                         * @example Deploys from CI
                         */
                        description?: string;
                        /**
                         * @description Role of the token: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer (default), 50 Owner; never above your own
                         * @example 30
                         * @enum {integer}
                         */
                        access_level?: 10 | 15 | 20 | 30 | 40 | 50;
                        /**
                         * Format: date
                         * @description Expiry date (YYYY-MM-DD; the token stops working at 00:00 UTC that day), at most the maximum lifetime from today. Default: today + the maximum lifetime (365 days unless an administrator changed it); never, when expiry is not required
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the networks the token may be used from (IPv4 or IPv6 CIDRs or plain addresses, at most 50); from anywhere else it is refused (401). Default: anywhere
                         * @example [
                         *       "10.0.0.0/8",
                         *       "2001:db8::/32"
                         *     ]
                         */
                        allowed_cidrs?: string[];
                    };
                };
            };
            responses: {
                /** @description A project access token with the token itself: the answer of create and rotate */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/access_tokens/self": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the project access token used to authenticate
         * @description Only with a project access token of this project (another project's: 401; a personal access token or a browser session: 405).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A project access token (GitLab's ResourceAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not possible with this kind of credentials */
                405: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/access_tokens/{token_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a project access token
         * @description Maintainers, Owners and administrators (others: 401).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /**
                     * @description ID of a project access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A project access token (GitLab's ResourceAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Revoke a project access token
         * @description Maintainers, Owners and administrators. The bot user is kept; the token stays listed as inactive.
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /**
                     * @description ID of a project access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/access_tokens/self/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the project access token used to authenticate
         * @description Needs the api or self_rotate scope. The old token is revoked at once (or, with `grace_period_seconds`, when its window ends); presenting it again once revoked revokes its successors (reuse detection).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A project access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not possible with this kind of credentials */
                405: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/access_tokens/{token_id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a project access token
         * @description Revokes the token and returns its successor (same bot, name, description, scopes and role, new id). Maintainers, Owners and administrators; others: 401.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /**
                     * @description ID of a project access token
                     * @example 42
                     */
                    token_id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /**
                         * Format: date
                         * @description Expiry of the new token (YYYY-MM-DD), at most the maximum lifetime from today. Default: one week from today
                         * @example 2027-01-31
                         */
                        expires_at?: string | null;
                        /**
                         * @description Tollgate's own: the old token keeps working this many seconds (an integer 0–86400; a numeric string is accepted), then is revoked. Default 0: revoked at once, as GitLab does
                         * @example 300
                         */
                        grace_period_seconds?: unknown;
                    };
                };
            };
            responses: {
                /** @description A project access token with the token itself: the answer of create and rotate */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectAccessTokenWithToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/audit_events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a group's audit events, newest first
         * @description Token creation (and refused creation), rotation, revocation and reuse detection, with author, IP and time; the group's projects' events too. Owners and administrators; others: 403.
         */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_before?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The events, newest first, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditEvent"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/audit_events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a project's audit events, newest first
         * @description Project access token creation (and refused creation), rotation, revocation and reuse detection, with author, IP and time. Maintainers, Owners and administrators; others: 403.
         */
        get: {
            parameters: {
                query?: {
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_before?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The events, newest first, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditEvent"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/audit_events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List every audit event of the instance, newest first (administrators)
         * @description Groups', projects' and users' events (personal access token creation, rotation, revocation, reuse detection, …). GitLab's filters: `entity_type` (with `entity_id`: one entity), `created_after`, `created_before`. Others: 403.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Only the events of this type of entity */
                    entity_type?: "Project" | "User" | "Group" | "Gitlab::Audit::InstanceScope";
                    /** @description Only the events of this entity (needs entity_type; 0: any) */
                    entity_id?: number;
                    /**
                     * @description Created at or after (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_after?: string;
                    /**
                     * @description Created at or before (ISO 8601)
                     * @example 2026-01-01T00:00:00Z
                     */
                    created_before?: string;
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The events, newest first, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditEvent"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/audit_events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get one audit event of the instance (administrators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID of the audit event */
                    id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description An audit event (GitLab's AuditEvent entity) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditEvent"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/hooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List group hooks (Owners) */
        get: {
            parameters: {
                query?: {
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The hooks, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupHook"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Add a group hook (Owners) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "url": "https://hooks.example.com/gitlab",
                     *       "token": "a shared secret",
                     *       "resource_access_token_events": true
                     *     }
                     */
                    "application/json": {
                        /** @description The hook URL (http or https) */
                        url: string;
                        /** @description Name of the hook */
                        name?: string;
                        /** @description Description of the hook */
                        description?: string;
                        /** @description Secret sent as X-Gitlab-Token with every event; never returned */
                        token?: string;
                        /** @description Trigger on access token events: expiring (7 days) and expired */
                        resource_access_token_events?: boolean;
                        /** @description Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group or project setting) */
                        extended_grat_expiry_webhooks_execute?: boolean;
                        /** @description Verify the TLS certificate of https URLs (default true) */
                        enable_ssl_verification?: boolean;
                        push_events_branch_filter?: string;
                        /**
                         * @description wildcard (default), regex or all_branches
                         * @enum {string}
                         */
                        branch_filter_strategy?: "wildcard" | "regex" | "all_branches";
                        /** @description Trigger on push events (stored; Tollgate fires access token events only) */
                        push_events?: boolean;
                        /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
                        tag_push_events?: boolean;
                        /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
                        merge_requests_events?: boolean;
                        /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
                        repository_update_events?: boolean;
                        /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
                        issues_events?: boolean;
                        /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
                        confidential_issues_events?: boolean;
                        /** @description Trigger on note events (stored; Tollgate fires access token events only) */
                        note_events?: boolean;
                        /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
                        confidential_note_events?: boolean;
                        /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
                        pipeline_events?: boolean;
                        /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
                        wiki_page_events?: boolean;
                        /** @description Trigger on job events (stored; Tollgate fires access token events only) */
                        job_events?: boolean;
                        /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
                        deployment_events?: boolean;
                        /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
                        feature_flag_events?: boolean;
                        /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
                        releases_events?: boolean;
                        /** @description Trigger on subgroup events (stored; Tollgate fires access token events only) */
                        subgroup_events?: boolean;
                        /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
                        emoji_events?: boolean;
                        /** @description Trigger on member events (stored; Tollgate fires access token events only) */
                        member_events?: boolean;
                        /** @description Trigger on project events (stored; Tollgate fires access token events only) */
                        project_events?: boolean;
                        /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
                        milestone_events?: boolean;
                        /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
                        vulnerability_events?: boolean;
                    };
                };
            };
            responses: {
                /** @description A group webhook (GitLab's GroupHook entity), without its secret token */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/groups/{id}/hooks/{hook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a group hook (Owners) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /** @description ID of the group hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A group webhook (GitLab's GroupHook entity), without its secret token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Edit a group hook (Owners) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /** @description ID of the group hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "url": "https://hooks.example.com/gitlab",
                     *       "token": "a shared secret",
                     *       "resource_access_token_events": true
                     *     }
                     */
                    "application/json": {
                        /** @description The hook URL (http or https) */
                        url?: string;
                        /** @description Name of the hook */
                        name?: string;
                        /** @description Description of the hook */
                        description?: string;
                        /** @description Secret sent as X-Gitlab-Token with every event; never returned */
                        token?: string;
                        /** @description Trigger on access token events: expiring (7 days) and expired */
                        resource_access_token_events?: boolean;
                        /** @description Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group or project setting) */
                        extended_grat_expiry_webhooks_execute?: boolean;
                        /** @description Verify the TLS certificate of https URLs (default true) */
                        enable_ssl_verification?: boolean;
                        push_events_branch_filter?: string;
                        /**
                         * @description wildcard (default), regex or all_branches
                         * @enum {string}
                         */
                        branch_filter_strategy?: "wildcard" | "regex" | "all_branches";
                        /** @description Trigger on push events (stored; Tollgate fires access token events only) */
                        push_events?: boolean;
                        /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
                        tag_push_events?: boolean;
                        /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
                        merge_requests_events?: boolean;
                        /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
                        repository_update_events?: boolean;
                        /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
                        issues_events?: boolean;
                        /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
                        confidential_issues_events?: boolean;
                        /** @description Trigger on note events (stored; Tollgate fires access token events only) */
                        note_events?: boolean;
                        /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
                        confidential_note_events?: boolean;
                        /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
                        pipeline_events?: boolean;
                        /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
                        wiki_page_events?: boolean;
                        /** @description Trigger on job events (stored; Tollgate fires access token events only) */
                        job_events?: boolean;
                        /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
                        deployment_events?: boolean;
                        /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
                        feature_flag_events?: boolean;
                        /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
                        releases_events?: boolean;
                        /** @description Trigger on subgroup events (stored; Tollgate fires access token events only) */
                        subgroup_events?: boolean;
                        /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
                        emoji_events?: boolean;
                        /** @description Trigger on member events (stored; Tollgate fires access token events only) */
                        member_events?: boolean;
                        /** @description Trigger on project events (stored; Tollgate fires access token events only) */
                        project_events?: boolean;
                        /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
                        milestone_events?: boolean;
                        /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
                        vulnerability_events?: boolean;
                    };
                };
            };
            responses: {
                /** @description A group webhook (GitLab's GroupHook entity), without its secret token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GroupHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a group hook (Owners) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the group */
                    id: string;
                    /** @description ID of the group hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/hooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List project hooks (Maintainers, Owners) */
        get: {
            parameters: {
                query?: {
                    /** @description Page number (default 1) */
                    page?: number;
                    /** @description Items per page (default 20, at most 100) */
                    per_page?: number;
                };
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The hooks, one page (see the pagination headers) */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectHook"][];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Add a project hook (Maintainers, Owners) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "url": "https://hooks.example.com/gitlab",
                     *       "token": "a shared secret",
                     *       "resource_access_token_events": true
                     *     }
                     */
                    "application/json": {
                        /** @description The hook URL (http or https) */
                        url: string;
                        /** @description Name of the hook */
                        name?: string;
                        /** @description Description of the hook */
                        description?: string;
                        /** @description Secret sent as X-Gitlab-Token with every event; never returned */
                        token?: string;
                        /** @description Trigger on access token events: expiring (7 days) and expired */
                        resource_access_token_events?: boolean;
                        /** @description Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group or project setting) */
                        extended_grat_expiry_webhooks_execute?: boolean;
                        /** @description Verify the TLS certificate of https URLs (default true) */
                        enable_ssl_verification?: boolean;
                        push_events_branch_filter?: string;
                        /**
                         * @description wildcard (default), regex or all_branches
                         * @enum {string}
                         */
                        branch_filter_strategy?: "wildcard" | "regex" | "all_branches";
                        /** @description Trigger on push events (stored; Tollgate fires access token events only) */
                        push_events?: boolean;
                        /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
                        tag_push_events?: boolean;
                        /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
                        merge_requests_events?: boolean;
                        /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
                        repository_update_events?: boolean;
                        /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
                        issues_events?: boolean;
                        /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
                        confidential_issues_events?: boolean;
                        /** @description Trigger on note events (stored; Tollgate fires access token events only) */
                        note_events?: boolean;
                        /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
                        confidential_note_events?: boolean;
                        /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
                        pipeline_events?: boolean;
                        /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
                        wiki_page_events?: boolean;
                        /** @description Trigger on job events (stored; Tollgate fires access token events only) */
                        job_events?: boolean;
                        /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
                        deployment_events?: boolean;
                        /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
                        feature_flag_events?: boolean;
                        /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
                        releases_events?: boolean;
                        /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
                        emoji_events?: boolean;
                        /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
                        milestone_events?: boolean;
                        /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
                        vulnerability_events?: boolean;
                    };
                };
            };
            responses: {
                /** @description A project webhook (GitLab's ProjectHook entity), without its secret token */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/projects/{id}/hooks/{hook_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a project hook (Maintainers, Owners) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /** @description ID of the project hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A project webhook (GitLab's ProjectHook entity), without its secret token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Edit a project hook (Maintainers, Owners) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /** @description ID of the project hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "url": "https://hooks.example.com/gitlab",
                     *       "token": "a shared secret",
                     *       "resource_access_token_events": true
                     *     }
                     */
                    "application/json": {
                        /** @description The hook URL (http or https) */
                        url?: string;
                        /** @description Name of the hook */
                        name?: string;
                        /** @description Description of the hook */
                        description?: string;
                        /** @description Secret sent as X-Gitlab-Token with every event; never returned */
                        token?: string;
                        /** @description Trigger on access token events: expiring (7 days) and expired */
                        resource_access_token_events?: boolean;
                        /** @description Also trigger access token events at 60 and 30 days before expiry (GitLab keeps this as a group or project setting) */
                        extended_grat_expiry_webhooks_execute?: boolean;
                        /** @description Verify the TLS certificate of https URLs (default true) */
                        enable_ssl_verification?: boolean;
                        push_events_branch_filter?: string;
                        /**
                         * @description wildcard (default), regex or all_branches
                         * @enum {string}
                         */
                        branch_filter_strategy?: "wildcard" | "regex" | "all_branches";
                        /** @description Trigger on push events (stored; Tollgate fires access token events only) */
                        push_events?: boolean;
                        /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
                        tag_push_events?: boolean;
                        /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
                        merge_requests_events?: boolean;
                        /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
                        repository_update_events?: boolean;
                        /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
                        issues_events?: boolean;
                        /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
                        confidential_issues_events?: boolean;
                        /** @description Trigger on note events (stored; Tollgate fires access token events only) */
                        note_events?: boolean;
                        /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
                        confidential_note_events?: boolean;
                        /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
                        pipeline_events?: boolean;
                        /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
                        wiki_page_events?: boolean;
                        /** @description Trigger on job events (stored; Tollgate fires access token events only) */
                        job_events?: boolean;
                        /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
                        deployment_events?: boolean;
                        /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
                        feature_flag_events?: boolean;
                        /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
                        releases_events?: boolean;
                        /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
                        emoji_events?: boolean;
                        /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
                        milestone_events?: boolean;
                        /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
                        vulnerability_events?: boolean;
                    };
                };
            };
            responses: {
                /** @description A project webhook (GitLab's ProjectHook entity), without its secret token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ProjectHook"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        post?: never;
        /** Delete a project hook (Maintainers, Owners) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description ID or URL-encoded full path of the project */
                    id: string;
                    /** @description ID of the project hook */
                    hook_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/admin/mail_queue": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Email outbox: queued, sent and failed counts and the last delivery error (administrators) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The email outbox: is mail going out, and if not, why */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MailQueue"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/admin/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Get information about a token, by its value (administrators)
         * @description Any personal, group or project access token. Not a use of the token: its last use is left unchanged.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "token": "glpat-xxxxxxxxxxxxxxxxxxxx"
                     *     }
                     */
                    "application/json": {
                        /** @description The token (its value) */
                        token: string;
                    };
                };
            };
            responses: {
                /** @description A personal access token (GitLab's PersonalAccessToken entity), without the token itself */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["PersonalAccessToken"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /**
         * Revoke a token, by its value (administrators)
         * @description Revoked as any revocation of its kind is, with its audit event; a revoked token stays revoked (204).
         */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "token": "glpat-xxxxxxxxxxxxxxxxxxxx"
                     *     }
                     */
                    "application/json": {
                        /** @description The token (its value) */
                        token: string;
                    };
                };
            };
            responses: {
                /** @description Revoked */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not found, or not visible to the caller */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Invalid attributes, each with its messages */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user of this browser session and its CSRF token */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The signed-in user of a browser session and its CSRF token */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        put?: never;
        /** Sign in with a username or email and a password (sets the session cookie) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "login": "root",
                     *       "password": "the initial root password"
                     *     }
                     */
                    "application/json": {
                        /** @description Username or email */
                        login: string;
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Signed in: the session cookie is set */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description The body is not in a media type this route takes */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        /** Sign out (ends this browser session) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Signed out: the session cookie is cleared */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description No credentials, or an unknown, expired or revoked token */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Not allowed to the caller, or the token lacks a scope this route needs (insufficient_scope) */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v4/credentials/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Report leaked tokens for revocation (no authentication; Tollgate's own, as GitHub's POST /credentials/revoke)
         * @description Always 202 for a valid body, whether the values were active, revoked or unknown. Active tokens are revoked within 5 seconds; their group's or project's audit log (a personal token's user) records `token_revoked_leak_report` and the people responsible are emailed. Limited per IP per hour (application setting `credentials_revoke_limit_per_hour`, default 60): 429 with Retry-After.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    /**
                     * @example {
                     *       "credentials": [
                     *         "glpat-xxxxxxxxxxxxxxxxxxxx"
                     *       ]
                     *     }
                     */
                    "application/json": {
                        /** @description The values to revoke, 1 to 1000: any string; those that cannot be tokens are ignored */
                        credentials: string[];
                    };
                };
            };
            responses: {
                /** @description Queued: active tokens among the values are revoked within 5 seconds */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            message: "202 Accepted";
                        };
                    };
                };
                /** @description Invalid parameters ({"error": "… is missing"}) or a request the server refuses ({"message": "400 Bad request - …"}) */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description The body is not in a media type this route takes */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
                /** @description Too many attempts; see Retry-After */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitLabError"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description An error, in one of GitLab's shapes */
        GitLabError: {
            /** @description Status and reason ("404 Group Not Found"), or the invalid attributes, each with its messages ({"url": ["is blocked"]}) */
            message?: string | {
                [key: string]: unknown;
            };
            /** @description A parameter error ("name is missing"), or invalid_token / insufficient_scope */
            error?: string;
            /** @description Why the token was refused (with invalid_token and insufficient_scope) */
            error_description?: string;
            /** @description The scopes that would be accepted, space-separated (with insufficient_scope) */
            scope?: string;
            /**
             * @description Tollgate: the error catalogue code, also sent as X-Tollgate-Error-Code
             * @example token_role_above_creator
             */
            code?: string;
            /** @description Tollgate: the message about each input field the error concerns */
            fields?: {
                field: string;
                message: string;
            }[];
        } & {
            [key: string]: unknown;
        };
        /**
         * @description Version of the server
         * @example {
         *       "version": "18.7.0",
         *       "revision": "tollgate-0.1.0"
         *     }
         */
        Version: {
            /** @description The GitLab version whose API this server answers as */
            version: string;
            /** @description The Tollgate release */
            revision: string;
        };
        /** @description Metadata of the server */
        Metadata: {
            /** @description The GitLab version whose API this server answers as */
            version: string;
            /** @description The Tollgate release */
            revision: string;
            /** @description GitLab agent server for Kubernetes */
            kas: {
                /** @description Always false: Tollgate has no agent server */
                enabled: boolean;
                externalUrl: string | null;
                externalK8sProxyUrl: string | null;
                version: string | null;
            };
            /** @description Always false */
            enterprise: boolean;
        };
        /** @description A user as others see them (GitLab's UserBasic) */
        UserBasic: {
            /** @description ID of the user */
            id: number;
            /**
             * @description Username
             * @example ada
             */
            username: string;
            /** @description Display name */
            name: string;
            /**
             * @description active or blocked
             * @enum {string}
             */
            state: "active" | "blocked";
            /** @description Locked out after failed sign-ins; always false here */
            locked: boolean;
            /** @description Avatar image; always null here */
            avatar_url: string | null;
            /**
             * @description The user's page
             * @example https://tollgate.example.com/ada
             */
            web_url: string;
        };
        /** @description A user (GitLab's User, with the UserWithAdmin fields for administrators) */
        User: {
            /** @description ID of the user */
            id: number;
            /**
             * @description Username
             * @example ada
             */
            username: string;
            /** @description Display name */
            name: string;
            /**
             * @description active or blocked
             * @enum {string}
             */
            state: "active" | "blocked";
            /** @description Locked out after failed sign-ins; always false here */
            locked: boolean;
            /** @description Avatar image; always null here */
            avatar_url: string | null;
            /**
             * @description The user's page
             * @example https://tollgate.example.com/ada
             */
            web_url: string;
            /**
             * Format: date-time
             * @description When the user was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Biography; always empty here */
            bio: string;
            /** @description A bot user (the user of a group access token) */
            bot: boolean;
            /** @description Email address (the user themself and administrators only) */
            email?: string;
            /** @description Public email address; always null here (the user themself and administrators only) */
            public_email?: string | null;
            /** @description An administrator (the user themself and administrators only) */
            is_admin?: boolean;
            /** @description An external user (the user themself and administrators only) */
            external?: boolean;
            /**
             * @description human, project_bot or ghost (administrators only)
             * @enum {string}
             */
            user_type?: "human" | "project_bot" | "ghost";
            /** @description Administrator note; always null here (administrators only) */
            note?: string | null;
        };
        /** @description The signed-in user of a browser session and its CSRF token */
        Session: {
            user: components["schemas"]["User"];
            /** @description Send it as X-CSRF-Token with every write made with the session cookie */
            csrf_token: string;
        };
        /** @description A personal access token (GitLab's PersonalAccessToken entity), without the token itself */
        PersonalAccessToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
        };
        /** @description A personal access token with the token itself: the answer of create and rotate */
        PersonalAccessTokenWithToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
            /**
             * @description The token itself; shown in this response only, never again
             * @example glpat-ExampleExampleExample
             */
            token: string;
        };
        /** @description A group (GitLab's Group entity) */
        Group: {
            /** @description ID of the group */
            id: number;
            /**
             * @description The group's page
             * @example https://tollgate.example.com/groups/platform/deploy
             */
            web_url: string;
            /** @description Name of the group */
            name: string;
            /** @description Path of the group (its last URL segment) */
            path: string;
            /** @description Description of the group */
            description: string;
            /**
             * @description private, internal or public
             * @enum {string}
             */
            visibility: "private" | "internal" | "public";
            /** @description Always false here */
            share_with_group_lock: boolean;
            /** @description Always false here */
            require_two_factor_authentication: boolean;
            /** @description Always developer here */
            project_creation_level: string;
            /** @description Always maintainer here */
            subgroup_creation_level: string;
            /** @description Always false here */
            lfs_enabled: boolean;
            /** @description Avatar image; always null here */
            avatar_url: string | null;
            /** @description Always false here */
            request_access_enabled: boolean;
            /**
             * @description Names from the top-level group down, joined by " / "
             * @example Platform / Deploy
             */
            full_name: string;
            /**
             * @description Paths from the top-level group down, joined by "/"
             * @example platform/deploy
             */
            full_path: string;
            /**
             * Format: date-time
             * @description When the group was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description ID of the parent group; null for a top-level group */
            parent_id: number | null;
            /** @description Users can create group and project access tokens in this hierarchy (top-level groups decide) */
            resource_access_token_creation_allowed: boolean;
            /** @description Token expiry emails go to inherited Owners too; null inherits from the parent group or the instance */
            resource_access_token_notify_inherited: boolean | null;
            /** @description Subgroups cannot change resource_access_token_notify_inherited */
            lock_resource_access_token_notify_inherited: boolean;
        };
        /** @description A project (GitLab's Project entity, the fields Tollgate has) */
        Project: {
            /** @description ID of the project */
            id: number;
            /** @description Description of the project */
            description: string;
            /** @description Name of the project */
            name: string;
            /**
             * @description Full name of the group, " / ", name
             * @example Platform / api-server
             */
            name_with_namespace: string;
            /** @description Path of the project (its last URL segment) */
            path: string;
            /**
             * @description Full path of the group, "/", path
             * @example platform/api-server
             */
            path_with_namespace: string;
            /**
             * Format: date-time
             * @description When the project was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Always main here */
            default_branch: string;
            /** @description Deprecated name of topics; always empty here */
            tag_list: string[];
            /** @description Always empty here */
            topics: string[];
            /** @description Always null: Tollgate serves git over HTTP(S) only */
            ssh_url_to_repo: string | null;
            /**
             * @description Clone URL
             * @example https://tollgate.example.com/platform/api-server.git
             */
            http_url_to_repo: string;
            /** @description The project's page */
            web_url: string;
            /** @description Always null here */
            readme_url: string | null;
            /** @description Always null here */
            avatar_url: string | null;
            /** @description Always 0 here */
            forks_count: number;
            /** @description Always 0 here */
            star_count: number;
            /**
             * Format: date-time
             * @description When the project last changed
             * @example 2026-01-20T22:11:48.151Z
             */
            last_activity_at: string;
            /**
             * @description private, internal or public
             * @enum {string}
             */
            visibility: "private" | "internal" | "public";
            /** @description The group the project belongs to */
            namespace: {
                /** @description ID of the group */
                id: number;
                /** @description Name of the group */
                name: string;
                /** @description Path of the group */
                path: string;
                /** @description Always group here */
                kind: string;
                /** @description Full path of the group */
                full_path: string;
                /** @description ID of the group's parent; null for a top-level group */
                parent_id: number | null;
                /** @description Always null here */
                avatar_url: string | null;
                /** @description The group's page */
                web_url: string;
            };
            /** @description ID of the user who created the project */
            creator_id: number | null;
            /** @description Always false here */
            archived: boolean;
            /** @description Always true here */
            empty_repo: boolean;
        };
        /** @description An issue (GitLab's Issue entity, the fields Tollgate has) */
        Issue: {
            /** @description ID of the issue */
            id: number;
            /** @description Number of the issue within its project */
            iid: number;
            /** @description ID of the project */
            project_id: number;
            /** @description Title */
            title: string;
            /** @description Description */
            description: string | null;
            /**
             * @description opened or closed
             * @enum {string}
             */
            state: "opened" | "closed";
            /**
             * Format: date-time
             * @description When the issue was opened
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @description When the issue last changed
             * @example 2026-01-20T22:11:48.151Z
             */
            updated_at: string;
            /**
             * Format: date-time
             * @description When the issue was closed; always null here
             * @example 2026-01-20T22:11:48.151Z
             */
            closed_at: string | null;
            /** @description Always empty here */
            labels: string[];
            /** @description Always empty here */
            assignees: components["schemas"]["UserBasic"][];
            author: components["schemas"]["UserBasic"];
            /** @description Always ISSUE here */
            type: string;
            /** @description The issue's page */
            web_url: string;
        };
        /** @description A member of a group or project: the user and their role (GitLab's Member entity) */
        Member: {
            /** @description ID of the user */
            id: number;
            /**
             * @description Username
             * @example ada
             */
            username: string;
            /** @description Display name */
            name: string;
            /**
             * @description active or blocked
             * @enum {string}
             */
            state: "active" | "blocked";
            /** @description Locked out after failed sign-ins; always false here */
            locked: boolean;
            /** @description Avatar image; always null here */
            avatar_url: string | null;
            /**
             * @description The user's page
             * @example https://tollgate.example.com/ada
             */
            web_url: string;
            /**
             * @description Role: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
             * @example 30
             */
            access_level: number;
            /**
             * Format: date-time
             * @description When the membership was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /**
             * Format: date
             * @description When the membership ends; null if never
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description Always active here */
            membership_state: string;
            /** @description A bot user (the user of a group or project access token) */
            bot: boolean;
        };
        /** @description The instance settings (GitLab's ApplicationSetting, the settings Tollgate honours) */
        ApplicationSettings: {
            /** @description Prefix of new tokens (default glpat-) */
            personal_access_token_prefix: string;
            /** @description Maximum token lifetime in days, 1..400 (default 365) */
            max_personal_access_token_lifetime: number;
            /** @description Tokens must expire (default true) */
            require_personal_access_token_expiry: boolean;
            /** @description Days after which bots whose tokens are all inactive are removed; null keeps them (default 30) */
            inactive_resource_access_tokens_delete_after_days: number | null;
            /**
             * @description rotate (GitLab), any_use, or off
             * @enum {string}
             */
            token_reuse_detection: "rotate" | "any_use" | "off";
            /** @description Token expiry emails go to inherited Owners too (instance default) */
            resource_access_token_notify_inherited: boolean;
            /** @description Groups cannot change resource_access_token_notify_inherited */
            lock_resource_access_token_notify_inherited: boolean;
            /** @description Git and the container registry: ban an IP address after repeated failed authentications */
            failed_auth_ban_enabled: boolean;
            /** @description Failed authentications from one IP address before a ban */
            failed_auth_ban_max_attempts: number;
            /** @description The window, in seconds, in which those failures count */
            failed_auth_ban_find_time_seconds: number;
            /** @description How long a ban lasts, in seconds */
            failed_auth_ban_duration_seconds: number;
            /** @description The API and forward auth: failed token authentications from one IP address per minute before its token requests answer 429 (0: off) */
            api_failed_auth_limit_per_minute: number;
            /** @description IP addresses and CIDR networks the throttle never holds back */
            failed_auth_throttle_allowlist: string[];
            /** @description Tokens one user may create per minute (0: no limit) */
            token_creations_limit_per_minute: number;
            /** @description Webhooks may call local and private network addresses */
            allow_local_requests_from_web_hooks_and_services: boolean;
            /** @description Minutes a container registry token is valid (default 5) */
            container_registry_token_expire_delay: number;
            /** @description POST /credentials/revoke calls allowed per IP per hour (default 60) */
            credentials_revoke_limit_per_hour: number;
        } & {
            [key: string]: unknown;
        };
        /** @description A group access token (GitLab's ResourceAccessToken entity), without the token itself */
        GroupAccessToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
            /**
             * @description Role of the token's bot in the group: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
             * @example 40
             */
            access_level: number;
            /**
             * @description The kind of resource the token belongs to
             * @enum {string}
             */
            resource_type: "group";
            /** @description ID of the group the token belongs to */
            resource_id: number;
        };
        /** @description A group access token with the token itself: the answer of create and rotate */
        GroupAccessTokenWithToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
            /**
             * @description Role of the token's bot in the group: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
             * @example 40
             */
            access_level: number;
            /**
             * @description The kind of resource the token belongs to
             * @enum {string}
             */
            resource_type: "group";
            /** @description ID of the group the token belongs to */
            resource_id: number;
            /**
             * @description The token itself; shown in this response only, never again
             * @example glpat-ExampleExampleExample
             */
            token: string;
        };
        /** @description A project access token (GitLab's ResourceAccessToken entity), without the token itself */
        ProjectAccessToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
            /**
             * @description Role of the token's bot in the project: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
             * @example 40
             */
            access_level: number;
            /**
             * @description The kind of resource the token belongs to
             * @enum {string}
             */
            resource_type: "project";
            /** @description ID of the project the token belongs to */
            resource_id: number;
        };
        /** @description A project access token with the token itself: the answer of create and rotate */
        ProjectAccessTokenWithToken: {
            /** @description ID of the token */
            id: number;
            /** @description Name of the token */
            name: string;
            /** @description Neither revoked nor expired */
            active: boolean;
            /** @description Revoked (by hand, by rotation or by reuse detection) */
            revoked: boolean;
            /** @description Past its expiry date */
            expired: boolean;
            /** @description A fine-grained token; always false here */
            granular: boolean;
            /**
             * Format: date-time
             * @description When the token was created
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Description of the token */
            description: string | null;
            /**
             * @description Scopes of the token, in the order given
             * @example [
             *       "api",
             *       "read_repository"
             *     ]
             */
            scopes: string[];
            /** @description ID of the user the token belongs to (for a group access token: its bot user) */
            user_id: number;
            /**
             * Format: date-time
             * @description When the token was last used (written at most every 10 minutes); null if never
             * @example 2026-01-20T22:11:48.151Z
             */
            last_used_at: string | null;
            /**
             * Format: date
             * @description Expiry date: the token stops working at 00:00 UTC that day; null if it never expires
             * @example 2027-01-31
             */
            expires_at: string | null;
            /** @description The last IP addresses the token was used from (at most 5) */
            last_used_ips: string[];
            /**
             * Format: date-time
             * @description When the token was revoked; null if it is not (Tollgate's addition: GitLab keeps it internally)
             * @example 2026-01-20T22:11:48.151Z
             */
            revoked_at: string | null;
            /**
             * @description Tollgate's own: the networks (CIDRs or addresses, IPv4 or IPv6) the token may be used from; empty: anywhere
             * @example [
             *       "10.0.0.0/8",
             *       "2001:db8::/32"
             *     ]
             */
            allowed_cidrs: string[];
            /**
             * Format: date-time
             * @description Tollgate's own: the token was rotated with an overlap window and keeps working until then; null when no window is open
             * @example 2026-01-20T22:11:48.151Z
             */
            rotation_grace_ends_at: string | null;
            /**
             * @description Role of the token's bot in the project: 10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner
             * @example 40
             */
            access_level: number;
            /**
             * @description The kind of resource the token belongs to
             * @enum {string}
             */
            resource_type: "project";
            /** @description ID of the project the token belongs to */
            resource_id: number;
            /**
             * @description The token itself; shown in this response only, never again
             * @example glpat-ExampleExampleExample
             */
            token: string;
        };
        /** @description An audit event (GitLab's AuditEvent entity) */
        AuditEvent: {
            /** @description ID of the event */
            id: number;
            /** @description ID of the user who acted; null for the admin console or a job */
            author_id: number | null;
            /** @description ID of the group (or other entity) the event belongs to */
            entity_id: number;
            /**
             * @description What entity_id is
             * @enum {string}
             */
            entity_type: "Group" | "User" | "Project" | "Instance";
            /**
             * @description What happened
             * @example group_access_token_created
             */
            event_name: string;
            /** @description The event's particulars (custom_message, token_id, scopes, …) beside GitLab's usual keys */
            details: {
                /** @description What happened, in words */
                custom_message?: string;
                /** @description Username of who acted, or "Tollgate console" */
                author_name: string;
                /** @description ID of what was acted on (a token) */
                target_id: number | null;
                /**
                 * @description The kind of target
                 * @example PersonalAccessToken
                 */
                target_type: string | null;
                /** @description Name of the target */
                target_details: string | null;
                /** @description IP address the request came from; null for the console or a job */
                ip_address: string | null;
                /** @description Full path of the group or project; for a user, the username */
                entity_path: string;
            } & {
                [key: string]: unknown;
            };
            /**
             * Format: date-time
             * @description When it happened
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
        };
        /** @description A group webhook (GitLab's GroupHook entity), without its secret token */
        GroupHook: {
            /** @description ID of the hook */
            id: number;
            /** @description The hook URL */
            url: string;
            /** @description Name of the hook */
            name: string;
            /** @description Description of the hook */
            description: string;
            /** @description ID of the group */
            group_id: number;
            /**
             * Format: date-time
             * @description When the hook was added
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Trigger on push events (stored; Tollgate fires access token events only) */
            push_events: boolean;
            /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
            tag_push_events: boolean;
            /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
            merge_requests_events: boolean;
            /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
            repository_update_events: boolean;
            /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
            issues_events: boolean;
            /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
            confidential_issues_events: boolean;
            /** @description Trigger on note events (stored; Tollgate fires access token events only) */
            note_events: boolean;
            /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
            confidential_note_events: boolean;
            /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
            pipeline_events: boolean;
            /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
            wiki_page_events: boolean;
            /** @description Trigger on job events (stored; Tollgate fires access token events only) */
            job_events: boolean;
            /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
            deployment_events: boolean;
            /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
            feature_flag_events: boolean;
            /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
            releases_events: boolean;
            /** @description Trigger on subgroup events (stored; Tollgate fires access token events only) */
            subgroup_events: boolean;
            /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
            emoji_events: boolean;
            /** @description Trigger on member events (stored; Tollgate fires access token events only) */
            member_events: boolean;
            /** @description Trigger on project events (stored; Tollgate fires access token events only) */
            project_events: boolean;
            /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
            milestone_events: boolean;
            /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
            vulnerability_events: boolean;
            /** @description Branches whose pushes trigger the hook */
            push_events_branch_filter: string | null;
            /**
             * @description wildcard, regex or all_branches
             * @enum {string}
             */
            branch_filter_strategy: "wildcard" | "regex" | "all_branches";
            /** @description Trigger on access token events: expiring (7 days) and expired */
            resource_access_token_events: boolean;
            /** @description Also trigger access token events at 60 and 30 days before expiry */
            extended_grat_expiry_webhooks_execute: boolean;
            /** @description Verify the TLS certificate of https URLs */
            enable_ssl_verification: boolean;
            /** @description Always executable here */
            alert_status: string;
            /**
             * Format: date-time
             * @description Always null here
             * @example 2026-01-20T22:11:48.151Z
             */
            disabled_until: string | null;
            /** @description Always empty here */
            url_variables: ({
                key: string;
            } & {
                [key: string]: unknown;
            })[];
            /** @description Always null here */
            custom_webhook_template: string | null;
            /** @description Always empty here */
            custom_headers: ({
                key: string;
            } & {
                [key: string]: unknown;
            })[];
        };
        /** @description A project webhook (GitLab's ProjectHook entity), without its secret token */
        ProjectHook: {
            /** @description ID of the hook */
            id: number;
            /** @description The hook URL */
            url: string;
            /** @description Name of the hook */
            name: string;
            /** @description Description of the hook */
            description: string;
            /** @description ID of the project */
            project_id: number;
            /**
             * Format: date-time
             * @description When the hook was added
             * @example 2026-01-20T22:11:48.151Z
             */
            created_at: string;
            /** @description Trigger on push events (stored; Tollgate fires access token events only) */
            push_events: boolean;
            /** @description Trigger on tag push events (stored; Tollgate fires access token events only) */
            tag_push_events: boolean;
            /** @description Trigger on merge requests events (stored; Tollgate fires access token events only) */
            merge_requests_events: boolean;
            /** @description Trigger on repository update events (stored; Tollgate fires access token events only) */
            repository_update_events: boolean;
            /** @description Trigger on issues events (stored; Tollgate fires access token events only) */
            issues_events: boolean;
            /** @description Trigger on confidential issues events (stored; Tollgate fires access token events only) */
            confidential_issues_events: boolean;
            /** @description Trigger on note events (stored; Tollgate fires access token events only) */
            note_events: boolean;
            /** @description Trigger on confidential note events (stored; Tollgate fires access token events only) */
            confidential_note_events: boolean;
            /** @description Trigger on pipeline events (stored; Tollgate fires access token events only) */
            pipeline_events: boolean;
            /** @description Trigger on wiki page events (stored; Tollgate fires access token events only) */
            wiki_page_events: boolean;
            /** @description Trigger on job events (stored; Tollgate fires access token events only) */
            job_events: boolean;
            /** @description Trigger on deployment events (stored; Tollgate fires access token events only) */
            deployment_events: boolean;
            /** @description Trigger on feature flag events (stored; Tollgate fires access token events only) */
            feature_flag_events: boolean;
            /** @description Trigger on releases events (stored; Tollgate fires access token events only) */
            releases_events: boolean;
            /** @description Trigger on emoji events (stored; Tollgate fires access token events only) */
            emoji_events: boolean;
            /** @description Trigger on milestone events (stored; Tollgate fires access token events only) */
            milestone_events: boolean;
            /** @description Trigger on vulnerability events (stored; Tollgate fires access token events only) */
            vulnerability_events: boolean;
            /** @description Branches whose pushes trigger the hook */
            push_events_branch_filter: string | null;
            /**
             * @description wildcard, regex or all_branches
             * @enum {string}
             */
            branch_filter_strategy: "wildcard" | "regex" | "all_branches";
            /** @description Trigger on access token events: expiring (7 days) and expired */
            resource_access_token_events: boolean;
            /** @description Also trigger access token events at 60 and 30 days before expiry */
            extended_grat_expiry_webhooks_execute: boolean;
            /** @description Verify the TLS certificate of https URLs */
            enable_ssl_verification: boolean;
            /** @description Always executable here */
            alert_status: string;
            /**
             * Format: date-time
             * @description Always null here
             * @example 2026-01-20T22:11:48.151Z
             */
            disabled_until: string | null;
            /** @description Always empty here */
            url_variables: ({
                key: string;
            } & {
                [key: string]: unknown;
            })[];
            /** @description Always null here */
            custom_webhook_template: string | null;
            /** @description Always empty here */
            custom_headers: ({
                key: string;
            } & {
                [key: string]: unknown;
            })[];
        };
        /** @description The email outbox: is mail going out, and if not, why */
        MailQueue: {
            /** @description Emails waiting to be sent */
            queued: number;
            /** @description Emails sent */
            sent: number;
            /** @description Emails given up on */
            failed: number;
            /** @description The last delivery error; null if none */
            last_error: string | null;
            /**
             * Format: date-time
             * @description When the last delivery error happened
             * @example 2026-01-20T22:11:48.151Z
             */
            last_error_at: string | null;
            /**
             * @description smtp, or eml: written as files into the data directory
             * @example smtp
             */
            transport: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
