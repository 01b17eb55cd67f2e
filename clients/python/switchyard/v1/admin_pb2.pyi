from google.protobuf import timestamp_pb2 as _timestamp_pb2
from switchyard.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

BUDGET_PERIOD_DAY: BudgetPeriod
BUDGET_PERIOD_MONTH: BudgetPeriod
BUDGET_PERIOD_TOTAL: BudgetPeriod
BUDGET_PERIOD_UNSPECIFIED: BudgetPeriod
BUDGET_SCOPE_API_KEY: BudgetScope
BUDGET_SCOPE_TENANT: BudgetScope
BUDGET_SCOPE_UNSPECIFIED: BudgetScope
BUDGET_SCOPE_WORKER: BudgetScope
DESCRIPTOR: _descriptor.FileDescriptor
PROVIDER_KIND_ANTHROPIC: ProviderKind
PROVIDER_KIND_DEMO: ProviderKind
PROVIDER_KIND_GEMINI: ProviderKind
PROVIDER_KIND_HUGGINGFACE: ProviderKind
PROVIDER_KIND_OLLAMA: ProviderKind
PROVIDER_KIND_OPENAI: ProviderKind
PROVIDER_KIND_OPENAI_COMPATIBLE: ProviderKind
PROVIDER_KIND_OPENROUTER: ProviderKind
PROVIDER_KIND_UNSPECIFIED: ProviderKind
RATE_LIMIT_SCOPE_API_KEY: RateLimitScope
RATE_LIMIT_SCOPE_MODEL: RateLimitScope
RATE_LIMIT_SCOPE_TENANT: RateLimitScope
RATE_LIMIT_SCOPE_UNSPECIFIED: RateLimitScope
UNSUPPORTED_PARAMETER_POLICY_ERROR: UnsupportedParameterPolicy
UNSUPPORTED_PARAMETER_POLICY_IGNORE: UnsupportedParameterPolicy
UNSUPPORTED_PARAMETER_POLICY_UNSPECIFIED: UnsupportedParameterPolicy
UNSUPPORTED_PARAMETER_POLICY_WARN: UnsupportedParameterPolicy
USAGE_GROUP_BY_API_KEY: UsageGroupBy
USAGE_GROUP_BY_DAY: UsageGroupBy
USAGE_GROUP_BY_MODEL: UsageGroupBy
USAGE_GROUP_BY_PROVIDER: UsageGroupBy
USAGE_GROUP_BY_TENANT: UsageGroupBy
USAGE_GROUP_BY_UNSPECIFIED: UsageGroupBy
USAGE_GROUP_BY_WORKER: UsageGroupBy

class Alias(_message.Message):
    __slots__ = ["description", "name", "strategy", "targets"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    strategy: _common_pb2.Strategy
    targets: _containers.RepeatedCompositeFieldContainer[AliasTarget]
    def __init__(self, name: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[AliasTarget, _Mapping]]] = ..., strategy: _Optional[_Union[_common_pb2.Strategy, str]] = ..., description: _Optional[str] = ...) -> None: ...

class AliasTarget(_message.Message):
    __slots__ = ["model", "weight"]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    model: str
    weight: int
    def __init__(self, model: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ["admin", "created_at", "id", "name", "prefix", "revoked", "tenant"]
    ADMIN_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    admin: bool
    created_at: _timestamp_pb2.Timestamp
    id: str
    name: str
    prefix: str
    revoked: bool
    tenant: str
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., admin: bool = ..., name: _Optional[str] = ..., prefix: _Optional[str] = ..., revoked: bool = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Budget(_message.Message):
    __slots__ = ["api_key_id", "id", "limit", "period", "reserved", "scope", "spent", "tenant", "worker_id"]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SPENT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    api_key_id: str
    id: str
    limit: int
    period: BudgetPeriod
    reserved: int
    scope: BudgetScope
    spent: int
    tenant: str
    worker_id: str
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[_Union[BudgetScope, str]] = ..., tenant: _Optional[str] = ..., api_key_id: _Optional[str] = ..., worker_id: _Optional[str] = ..., period: _Optional[_Union[BudgetPeriod, str]] = ..., limit: _Optional[int] = ..., spent: _Optional[int] = ..., reserved: _Optional[int] = ...) -> None: ...

class CreateAliasRequest(_message.Message):
    __slots__ = ["alias"]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    alias: Alias
    def __init__(self, alias: _Optional[_Union[Alias, _Mapping]] = ...) -> None: ...

class CreateAliasResponse(_message.Message):
    __slots__ = ["alias"]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    alias: Alias
    def __init__(self, alias: _Optional[_Union[Alias, _Mapping]] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ["api_key"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ["api_key", "secret"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class CreateBudgetRequest(_message.Message):
    __slots__ = ["budget"]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class CreateBudgetResponse(_message.Message):
    __slots__ = ["budget"]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class CreateModelOverrideRequest(_message.Message):
    __slots__ = ["model_override"]
    MODEL_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    model_override: ModelOverride
    def __init__(self, model_override: _Optional[_Union[ModelOverride, _Mapping]] = ...) -> None: ...

class CreateModelOverrideResponse(_message.Message):
    __slots__ = ["model_override"]
    MODEL_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    model_override: ModelOverride
    def __init__(self, model_override: _Optional[_Union[ModelOverride, _Mapping]] = ...) -> None: ...

class CreateProviderRequest(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class CreateProviderResponse(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class CreateRateLimitRequest(_message.Message):
    __slots__ = ["rate_limit"]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    rate_limit: RateLimit
    def __init__(self, rate_limit: _Optional[_Union[RateLimit, _Mapping]] = ...) -> None: ...

class CreateRateLimitResponse(_message.Message):
    __slots__ = ["rate_limit"]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    rate_limit: RateLimit
    def __init__(self, rate_limit: _Optional[_Union[RateLimit, _Mapping]] = ...) -> None: ...

class CreateRouteRuleRequest(_message.Message):
    __slots__ = ["route_rule"]
    ROUTE_RULE_FIELD_NUMBER: _ClassVar[int]
    route_rule: RouteRule
    def __init__(self, route_rule: _Optional[_Union[RouteRule, _Mapping]] = ...) -> None: ...

class CreateRouteRuleResponse(_message.Message):
    __slots__ = ["route_rule"]
    ROUTE_RULE_FIELD_NUMBER: _ClassVar[int]
    route_rule: RouteRule
    def __init__(self, route_rule: _Optional[_Union[RouteRule, _Mapping]] = ...) -> None: ...

class CreateTenantRequest(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class CreateTenantResponse(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class DeleteAliasRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteAliasResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteApiKeyRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteApiKeyResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteBudgetRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteBudgetResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteModelOverrideRequest(_message.Message):
    __slots__ = ["model_id"]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class DeleteModelOverrideResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteProviderRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteProviderResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteRateLimitRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRateLimitResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteRouteRuleRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteRouteRuleResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteTenantPolicyRequest(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    def __init__(self, tenant: _Optional[str] = ...) -> None: ...

class DeleteTenantPolicyResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class DeleteTenantRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteTenantResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class GetPlatformPolicyRequest(_message.Message):
    __slots__ = ["version"]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: int
    def __init__(self, version: _Optional[int] = ...) -> None: ...

class GetPlatformPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class GetTenantPolicyRequest(_message.Message):
    __slots__ = ["tenant", "version"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    version: int
    def __init__(self, tenant: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class GetTenantPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class ListAliasesRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAliasesResponse(_message.Message):
    __slots__ = ["aliases", "next_page_token"]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    aliases: _containers.RepeatedCompositeFieldContainer[Alias]
    next_page_token: str
    def __init__(self, aliases: _Optional[_Iterable[_Union[Alias, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ["api_keys", "next_page_token"]
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListBudgetsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant: _Optional[str] = ...) -> None: ...

class ListBudgetsResponse(_message.Message):
    __slots__ = ["budgets", "next_page_token"]
    BUDGETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    budgets: _containers.RepeatedCompositeFieldContainer[Budget]
    next_page_token: str
    def __init__(self, budgets: _Optional[_Iterable[_Union[Budget, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListModelOverridesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "provider"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    provider: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

class ListModelOverridesResponse(_message.Message):
    __slots__ = ["model_overrides", "next_page_token"]
    MODEL_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    model_overrides: _containers.RepeatedCompositeFieldContainer[ModelOverride]
    next_page_token: str
    def __init__(self, model_overrides: _Optional[_Iterable[_Union[ModelOverride, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListPolicyVersionsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant: str
    def __init__(self, tenant: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPolicyVersionsResponse(_message.Message):
    __slots__ = ["next_page_token", "policies"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    POLICIES_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    policies: _containers.RepeatedCompositeFieldContainer[Policy]
    def __init__(self, policies: _Optional[_Iterable[_Union[Policy, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListProvidersRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProvidersResponse(_message.Message):
    __slots__ = ["next_page_token", "providers"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    def __init__(self, providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRateLimitsRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant: _Optional[str] = ...) -> None: ...

class ListRateLimitsResponse(_message.Message):
    __slots__ = ["next_page_token", "rate_limits"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMITS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    rate_limits: _containers.RepeatedCompositeFieldContainer[RateLimit]
    def __init__(self, rate_limits: _Optional[_Iterable[_Union[RateLimit, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRouteRulesRequest(_message.Message):
    __slots__ = ["page_size", "page_token", "tenant"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    tenant: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., tenant: _Optional[str] = ...) -> None: ...

class ListRouteRulesResponse(_message.Message):
    __slots__ = ["next_page_token", "route_rules"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ROUTE_RULES_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    route_rules: _containers.RepeatedCompositeFieldContainer[RouteRule]
    def __init__(self, route_rules: _Optional[_Iterable[_Union[RouteRule, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListTenantsRequest(_message.Message):
    __slots__ = ["page_size", "page_token"]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTenantsResponse(_message.Message):
    __slots__ = ["next_page_token", "tenants"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TENANTS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    tenants: _containers.RepeatedCompositeFieldContainer[Tenant]
    def __init__(self, tenants: _Optional[_Iterable[_Union[Tenant, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ModelOverride(_message.Message):
    __slots__ = ["disabled", "model", "model_id", "quality"]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    disabled: bool
    model: _common_pb2.ModelInfo
    model_id: str
    quality: int
    def __init__(self, model_id: _Optional[str] = ..., model: _Optional[_Union[_common_pb2.ModelInfo, _Mapping]] = ..., disabled: bool = ..., quality: _Optional[int] = ...) -> None: ...

class Policy(_message.Message):
    __slots__ = ["allowed_models", "allowed_provider_options", "allowed_providers", "allowed_regions", "created_at", "denied_models", "denied_providers", "max_output_tokens", "max_price_per_million_tokens", "max_remote_sensitivity", "unsupported_parameters", "version"]
    class AllowedProviderOptionsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ProviderOptionKeys
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ProviderOptionKeys, _Mapping]] = ...) -> None: ...
    ALLOWED_MODELS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_PROVIDER_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_REGIONS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DENIED_MODELS_FIELD_NUMBER: _ClassVar[int]
    DENIED_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_PER_MILLION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_REMOTE_SENSITIVITY_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    allowed_models: _containers.RepeatedScalarFieldContainer[str]
    allowed_provider_options: _containers.MessageMap[str, ProviderOptionKeys]
    allowed_providers: _containers.RepeatedScalarFieldContainer[str]
    allowed_regions: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    denied_models: _containers.RepeatedScalarFieldContainer[str]
    denied_providers: _containers.RepeatedScalarFieldContainer[str]
    max_output_tokens: int
    max_price_per_million_tokens: int
    max_remote_sensitivity: _common_pb2.Sensitivity
    unsupported_parameters: UnsupportedParameterPolicy
    version: int
    def __init__(self, version: _Optional[int] = ..., allowed_providers: _Optional[_Iterable[str]] = ..., denied_providers: _Optional[_Iterable[str]] = ..., allowed_models: _Optional[_Iterable[str]] = ..., denied_models: _Optional[_Iterable[str]] = ..., allowed_regions: _Optional[_Iterable[str]] = ..., max_price_per_million_tokens: _Optional[int] = ..., max_output_tokens: _Optional[int] = ..., unsupported_parameters: _Optional[_Union[UnsupportedParameterPolicy, str]] = ..., max_remote_sensitivity: _Optional[_Union[_common_pb2.Sensitivity, str]] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., allowed_provider_options: _Optional[_Mapping[str, ProviderOptionKeys]] = ...) -> None: ...

class Provider(_message.Message):
    __slots__ = ["api_key", "api_key_env", "base_url", "disabled", "has_api_key", "id", "kind", "local", "max_sensitivity", "preset", "regions", "source", "updated_at"]
    API_KEY_ENV_FIELD_NUMBER: _ClassVar[int]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    HAS_API_KEY_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FIELD_NUMBER: _ClassVar[int]
    MAX_SENSITIVITY_FIELD_NUMBER: _ClassVar[int]
    PRESET_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    api_key: str
    api_key_env: str
    base_url: str
    disabled: bool
    has_api_key: bool
    id: str
    kind: ProviderKind
    local: bool
    max_sensitivity: _common_pb2.Sensitivity
    preset: str
    regions: _containers.RepeatedScalarFieldContainer[str]
    source: str
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ProviderKind, str]] = ..., base_url: _Optional[str] = ..., api_key: _Optional[str] = ..., api_key_env: _Optional[str] = ..., has_api_key: bool = ..., preset: _Optional[str] = ..., regions: _Optional[_Iterable[str]] = ..., local: bool = ..., disabled: bool = ..., source: _Optional[str] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., max_sensitivity: _Optional[_Union[_common_pb2.Sensitivity, str]] = ...) -> None: ...

class ProviderOptionKeys(_message.Message):
    __slots__ = ["keys"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class QueryUsageRequest(_message.Message):
    __slots__ = ["end", "group_by", "start", "tenant"]
    END_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    end: _timestamp_pb2.Timestamp
    group_by: _containers.RepeatedScalarFieldContainer[UsageGroupBy]
    start: _timestamp_pb2.Timestamp
    tenant: str
    def __init__(self, start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., group_by: _Optional[_Iterable[_Union[UsageGroupBy, str]]] = ..., tenant: _Optional[str] = ...) -> None: ...

class QueryUsageResponse(_message.Message):
    __slots__ = ["rows"]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[UsageRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[UsageRow, _Mapping]]] = ...) -> None: ...

class RateLimit(_message.Message):
    __slots__ = ["api_key_id", "concurrent", "id", "model", "requests_per_minute", "scope", "source", "tenant", "tokens_per_minute"]
    API_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TOKENS_PER_MINUTE_FIELD_NUMBER: _ClassVar[int]
    api_key_id: str
    concurrent: int
    id: str
    model: str
    requests_per_minute: int
    scope: RateLimitScope
    source: str
    tenant: str
    tokens_per_minute: int
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[_Union[RateLimitScope, str]] = ..., tenant: _Optional[str] = ..., api_key_id: _Optional[str] = ..., model: _Optional[str] = ..., requests_per_minute: _Optional[int] = ..., tokens_per_minute: _Optional[int] = ..., concurrent: _Optional[int] = ..., source: _Optional[str] = ...) -> None: ...

class RouteRule(_message.Message):
    __slots__ = ["id", "strategy", "target", "task_type", "tenant", "worker_id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    strategy: _common_pb2.Strategy
    target: str
    task_type: str
    tenant: str
    worker_id: str
    def __init__(self, id: _Optional[str] = ..., tenant: _Optional[str] = ..., worker_id: _Optional[str] = ..., task_type: _Optional[str] = ..., target: _Optional[str] = ..., strategy: _Optional[_Union[_common_pb2.Strategy, str]] = ...) -> None: ...

class Tenant(_message.Message):
    __slots__ = ["created_at", "disabled", "id", "name"]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    created_at: _timestamp_pb2.Timestamp
    disabled: bool
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., disabled: bool = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UpdateAliasRequest(_message.Message):
    __slots__ = ["alias"]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    alias: Alias
    def __init__(self, alias: _Optional[_Union[Alias, _Mapping]] = ...) -> None: ...

class UpdateAliasResponse(_message.Message):
    __slots__ = ["alias"]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    alias: Alias
    def __init__(self, alias: _Optional[_Union[Alias, _Mapping]] = ...) -> None: ...

class UpdateApiKeyRequest(_message.Message):
    __slots__ = ["api_key"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class UpdateApiKeyResponse(_message.Message):
    __slots__ = ["api_key"]
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class UpdateBudgetRequest(_message.Message):
    __slots__ = ["budget"]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class UpdateBudgetResponse(_message.Message):
    __slots__ = ["budget"]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    budget: Budget
    def __init__(self, budget: _Optional[_Union[Budget, _Mapping]] = ...) -> None: ...

class UpdateModelOverrideRequest(_message.Message):
    __slots__ = ["model_override"]
    MODEL_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    model_override: ModelOverride
    def __init__(self, model_override: _Optional[_Union[ModelOverride, _Mapping]] = ...) -> None: ...

class UpdateModelOverrideResponse(_message.Message):
    __slots__ = ["model_override"]
    MODEL_OVERRIDE_FIELD_NUMBER: _ClassVar[int]
    model_override: ModelOverride
    def __init__(self, model_override: _Optional[_Union[ModelOverride, _Mapping]] = ...) -> None: ...

class UpdatePlatformPolicyRequest(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class UpdatePlatformPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class UpdateProviderRequest(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class UpdateProviderResponse(_message.Message):
    __slots__ = ["provider"]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class UpdateRateLimitRequest(_message.Message):
    __slots__ = ["rate_limit"]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    rate_limit: RateLimit
    def __init__(self, rate_limit: _Optional[_Union[RateLimit, _Mapping]] = ...) -> None: ...

class UpdateRateLimitResponse(_message.Message):
    __slots__ = ["rate_limit"]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    rate_limit: RateLimit
    def __init__(self, rate_limit: _Optional[_Union[RateLimit, _Mapping]] = ...) -> None: ...

class UpdateRouteRuleRequest(_message.Message):
    __slots__ = ["route_rule"]
    ROUTE_RULE_FIELD_NUMBER: _ClassVar[int]
    route_rule: RouteRule
    def __init__(self, route_rule: _Optional[_Union[RouteRule, _Mapping]] = ...) -> None: ...

class UpdateRouteRuleResponse(_message.Message):
    __slots__ = ["route_rule"]
    ROUTE_RULE_FIELD_NUMBER: _ClassVar[int]
    route_rule: RouteRule
    def __init__(self, route_rule: _Optional[_Union[RouteRule, _Mapping]] = ...) -> None: ...

class UpdateTenantPolicyRequest(_message.Message):
    __slots__ = ["policy", "tenant"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    tenant: str
    def __init__(self, tenant: _Optional[str] = ..., policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class UpdateTenantPolicyResponse(_message.Message):
    __slots__ = ["policy"]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    policy: Policy
    def __init__(self, policy: _Optional[_Union[Policy, _Mapping]] = ...) -> None: ...

class UpdateTenantRequest(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class UpdateTenantResponse(_message.Message):
    __slots__ = ["tenant"]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    tenant: Tenant
    def __init__(self, tenant: _Optional[_Union[Tenant, _Mapping]] = ...) -> None: ...

class UsageRow(_message.Message):
    __slots__ = ["cached_input_tokens", "cost", "group", "input_tokens", "output_tokens", "reasoning_tokens", "requests"]
    class GroupEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CACHED_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    GROUP_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REASONING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    cached_input_tokens: int
    cost: int
    group: _containers.ScalarMap[str, str]
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    requests: int
    def __init__(self, group: _Optional[_Mapping[str, str]] = ..., requests: _Optional[int] = ..., input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cached_input_tokens: _Optional[int] = ..., reasoning_tokens: _Optional[int] = ..., cost: _Optional[int] = ...) -> None: ...

class ProviderKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UnsupportedParameterPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class BudgetScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class BudgetPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RateLimitScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UsageGroupBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
