from google.protobuf import timestamp_pb2 as _timestamp_pb2
from switchyard.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
EXCLUSION_REASON_CIRCUIT_OPEN: ExclusionReason
EXCLUSION_REASON_CONTEXT_WINDOW: ExclusionReason
EXCLUSION_REASON_LATENCY: ExclusionReason
EXCLUSION_REASON_MAX_OUTPUT: ExclusionReason
EXCLUSION_REASON_MISSING_CAPABILITY: ExclusionReason
EXCLUSION_REASON_NO_CREDENTIALS: ExclusionReason
EXCLUSION_REASON_NO_PROVIDER: ExclusionReason
EXCLUSION_REASON_POLICY: ExclusionReason
EXCLUSION_REASON_PRICE: ExclusionReason
EXCLUSION_REASON_PROVIDER_DENIED: ExclusionReason
EXCLUSION_REASON_PROVIDER_NOT_ALLOWED: ExclusionReason
EXCLUSION_REASON_REGION: ExclusionReason
EXCLUSION_REASON_REQUIRED_PARAMETER: ExclusionReason
EXCLUSION_REASON_SENSITIVITY: ExclusionReason
EXCLUSION_REASON_UNSPECIFIED: ExclusionReason
EXCLUSION_REASON_WRONG_KIND: ExclusionReason
FINISH_REASON_CANCELLED: FinishReason
FINISH_REASON_CONTENT_FILTER: FinishReason
FINISH_REASON_ERROR: FinishReason
FINISH_REASON_LENGTH: FinishReason
FINISH_REASON_STOP: FinishReason
FINISH_REASON_TOOL_CALLS: FinishReason
FINISH_REASON_UNSPECIFIED: FinishReason
REASONING_EFFORT_HIGH: ReasoningEffort
REASONING_EFFORT_LOW: ReasoningEffort
REASONING_EFFORT_MEDIUM: ReasoningEffort
REASONING_EFFORT_MINIMAL: ReasoningEffort
REASONING_EFFORT_NONE: ReasoningEffort
REASONING_EFFORT_UNSPECIFIED: ReasoningEffort
UPSTREAM_ERROR_KIND_AUTH: UpstreamErrorKind
UPSTREAM_ERROR_KIND_BAD_REQUEST: UpstreamErrorKind
UPSTREAM_ERROR_KIND_CONNECTION: UpstreamErrorKind
UPSTREAM_ERROR_KIND_CONTENT_FILTERED: UpstreamErrorKind
UPSTREAM_ERROR_KIND_CONTEXT_LENGTH_EXCEEDED: UpstreamErrorKind
UPSTREAM_ERROR_KIND_NOT_FOUND: UpstreamErrorKind
UPSTREAM_ERROR_KIND_OVERLOADED: UpstreamErrorKind
UPSTREAM_ERROR_KIND_RATE_LIMITED: UpstreamErrorKind
UPSTREAM_ERROR_KIND_SERVER_ERROR: UpstreamErrorKind
UPSTREAM_ERROR_KIND_STREAM_INTERRUPTED: UpstreamErrorKind
UPSTREAM_ERROR_KIND_TIMEOUT: UpstreamErrorKind
UPSTREAM_ERROR_KIND_UNSPECIFIED: UpstreamErrorKind

class AttemptFailed(_message.Message):
    __slots__ = ["attempt", "code", "message", "model", "provider", "retrying"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RETRYING_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    code: UpstreamErrorKind
    message: str
    model: str
    provider: str
    retrying: bool
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., code: _Optional[_Union[UpstreamErrorKind, str]] = ..., message: _Optional[str] = ..., retrying: bool = ..., attempt: _Optional[int] = ...) -> None: ...

class Candidate(_message.Message):
    __slots__ = ["estimate", "model", "provider", "rank", "upstream_model"]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_MODEL_FIELD_NUMBER: _ClassVar[int]
    estimate: Estimate
    model: str
    provider: str
    rank: int
    upstream_model: str
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., upstream_model: _Optional[str] = ..., estimate: _Optional[_Union[Estimate, _Mapping]] = ..., rank: _Optional[int] = ...) -> None: ...

class ChatOptions(_message.Message):
    __slots__ = ["frequency_penalty", "max_output_tokens", "presence_penalty", "reasoning_effort", "response_format", "seed", "stop", "temperature", "top_k", "top_p"]
    FREQUENCY_PENALTY_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_PENALTY_FIELD_NUMBER: _ClassVar[int]
    REASONING_EFFORT_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FORMAT_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    frequency_penalty: float
    max_output_tokens: int
    presence_penalty: float
    reasoning_effort: ReasoningEffort
    response_format: ResponseFormat
    seed: int
    stop: _containers.RepeatedScalarFieldContainer[str]
    temperature: float
    top_k: int
    top_p: float
    def __init__(self, max_output_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., top_k: _Optional[int] = ..., stop: _Optional[_Iterable[str]] = ..., seed: _Optional[int] = ..., frequency_penalty: _Optional[float] = ..., presence_penalty: _Optional[float] = ..., response_format: _Optional[_Union[ResponseFormat, _Mapping]] = ..., reasoning_effort: _Optional[_Union[ReasoningEffort, str]] = ...) -> None: ...

class ChatRequest(_message.Message):
    __slots__ = ["context", "messages", "model", "options", "provider_options_json", "request_id", "requirements", "strategy", "tool_choice", "tools"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_OPTIONS_JSON_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    TOOL_CHOICE_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RoutingContext
    messages: _containers.RepeatedCompositeFieldContainer[_common_pb2.Message]
    model: str
    options: ChatOptions
    provider_options_json: str
    request_id: str
    requirements: _common_pb2.Requirements
    strategy: _common_pb2.Strategy
    tool_choice: ToolChoice
    tools: _containers.RepeatedCompositeFieldContainer[Tool]
    def __init__(self, model: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_common_pb2.Message, _Mapping]]] = ..., options: _Optional[_Union[ChatOptions, _Mapping]] = ..., tools: _Optional[_Iterable[_Union[Tool, _Mapping]]] = ..., tool_choice: _Optional[_Union[ToolChoice, _Mapping]] = ..., context: _Optional[_Union[_common_pb2.RoutingContext, _Mapping]] = ..., requirements: _Optional[_Union[_common_pb2.Requirements, _Mapping]] = ..., strategy: _Optional[_Union[_common_pb2.Strategy, str]] = ..., request_id: _Optional[str] = ..., provider_options_json: _Optional[str] = ...) -> None: ...

class ChatResponse(_message.Message):
    __slots__ = ["attempt_failed", "delta", "finish", "route", "tool_call", "usage"]
    ATTEMPT_FAILED_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    FINISH_FIELD_NUMBER: _ClassVar[int]
    ROUTE_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALL_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    attempt_failed: AttemptFailed
    delta: TextDelta
    finish: Finish
    route: RouteEvent
    tool_call: ToolCallDelta
    usage: _common_pb2.Usage
    def __init__(self, route: _Optional[_Union[RouteEvent, _Mapping]] = ..., delta: _Optional[_Union[TextDelta, _Mapping]] = ..., tool_call: _Optional[_Union[ToolCallDelta, _Mapping]] = ..., attempt_failed: _Optional[_Union[AttemptFailed, _Mapping]] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ..., finish: _Optional[_Union[Finish, _Mapping]] = ...) -> None: ...

class Decision(_message.Message):
    __slots__ = ["candidates", "catalog_version", "created_at", "estimate", "excluded", "id", "inputs_json", "outcome_json", "policy_version", "rpc", "tenant"]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INPUTS_JSON_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_JSON_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    RPC_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    catalog_version: str
    created_at: _timestamp_pb2.Timestamp
    estimate: Estimate
    excluded: _containers.RepeatedCompositeFieldContainer[Exclusion]
    id: str
    inputs_json: str
    outcome_json: str
    policy_version: str
    rpc: str
    tenant: str
    def __init__(self, id: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., tenant: _Optional[str] = ..., rpc: _Optional[str] = ..., inputs_json: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., estimate: _Optional[_Union[Estimate, _Mapping]] = ..., policy_version: _Optional[str] = ..., catalog_version: _Optional[str] = ..., outcome_json: _Optional[str] = ...) -> None: ...

class EmbedRequest(_message.Message):
    __slots__ = ["context", "dimensions", "inputs", "model", "request_id", "requirements"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RoutingContext
    dimensions: int
    inputs: _containers.RepeatedScalarFieldContainer[str]
    model: str
    request_id: str
    requirements: _common_pb2.Requirements
    def __init__(self, model: _Optional[str] = ..., inputs: _Optional[_Iterable[str]] = ..., dimensions: _Optional[int] = ..., context: _Optional[_Union[_common_pb2.RoutingContext, _Mapping]] = ..., request_id: _Optional[str] = ..., requirements: _Optional[_Union[_common_pb2.Requirements, _Mapping]] = ...) -> None: ...

class EmbedResponse(_message.Message):
    __slots__ = ["decision_id", "embeddings", "model", "provider", "usage"]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    embeddings: _containers.RepeatedCompositeFieldContainer[Embedding]
    model: str
    provider: str
    usage: _common_pb2.Usage
    def __init__(self, embeddings: _Optional[_Iterable[_Union[Embedding, _Mapping]]] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., usage: _Optional[_Union[_common_pb2.Usage, _Mapping]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class Embedding(_message.Message):
    __slots__ = ["values"]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class Estimate(_message.Message):
    __slots__ = ["input_cost", "input_tokens", "max_cost", "max_output_tokens", "tokenizer"]
    INPUT_COST_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MAX_COST_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_FIELD_NUMBER: _ClassVar[int]
    input_cost: int
    input_tokens: int
    max_cost: int
    max_output_tokens: int
    tokenizer: str
    def __init__(self, input_tokens: _Optional[int] = ..., max_output_tokens: _Optional[int] = ..., input_cost: _Optional[int] = ..., max_cost: _Optional[int] = ..., tokenizer: _Optional[str] = ...) -> None: ...

class Exclusion(_message.Message):
    __slots__ = ["detail", "model", "provider", "reason"]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    detail: str
    model: str
    provider: str
    reason: ExclusionReason
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., reason: _Optional[_Union[ExclusionReason, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class Finish(_message.Message):
    __slots__ = ["error", "reason"]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    error: FinishError
    reason: FinishReason
    def __init__(self, reason: _Optional[_Union[FinishReason, str]] = ..., error: _Optional[_Union[FinishError, _Mapping]] = ...) -> None: ...

class FinishError(_message.Message):
    __slots__ = ["code", "kind", "message"]
    CODE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    kind: UpstreamErrorKind
    message: str
    def __init__(self, kind: _Optional[_Union[UpstreamErrorKind, str]] = ..., message: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class GetDecisionRequest(_message.Message):
    __slots__ = ["decision_id", "replay", "replay_policy_version"]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    REPLAY_POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    replay: bool
    replay_policy_version: str
    def __init__(self, decision_id: _Optional[str] = ..., replay: bool = ..., replay_policy_version: _Optional[str] = ...) -> None: ...

class GetDecisionResponse(_message.Message):
    __slots__ = ["decision", "replay"]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    decision: Decision
    replay: ReplayResult
    def __init__(self, decision: _Optional[_Union[Decision, _Mapping]] = ..., replay: _Optional[_Union[ReplayResult, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ["capabilities", "kind", "local_only", "min_context_tokens", "page_size", "page_token", "provider", "query"]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCAL_ONLY_FIELD_NUMBER: _ClassVar[int]
    MIN_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    capabilities: _containers.RepeatedScalarFieldContainer[_common_pb2.Capability]
    kind: _common_pb2.ModelKind
    local_only: bool
    min_context_tokens: int
    page_size: int
    page_token: str
    provider: str
    query: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., provider: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.ModelKind, str]] = ..., capabilities: _Optional[_Iterable[_Union[_common_pb2.Capability, str]]] = ..., min_context_tokens: _Optional[int] = ..., local_only: bool = ..., query: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ["models", "next_page_token", "total_size"]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[_common_pb2.ModelInfo]
    next_page_token: str
    total_size: int
    def __init__(self, models: _Optional[_Iterable[_Union[_common_pb2.ModelInfo, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ModelMetadataRequest(_message.Message):
    __slots__ = ["model"]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: str
    def __init__(self, model: _Optional[str] = ...) -> None: ...

class ModelMetadataResponse(_message.Message):
    __slots__ = ["model"]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: _common_pb2.ModelInfo
    def __init__(self, model: _Optional[_Union[_common_pb2.ModelInfo, _Mapping]] = ...) -> None: ...

class ReplayResult(_message.Message):
    __slots__ = ["differences", "identical", "policy_version"]
    DIFFERENCES_FIELD_NUMBER: _ClassVar[int]
    IDENTICAL_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    differences: _containers.RepeatedScalarFieldContainer[str]
    identical: bool
    policy_version: str
    def __init__(self, identical: bool = ..., differences: _Optional[_Iterable[str]] = ..., policy_version: _Optional[str] = ...) -> None: ...

class ResponseFormat(_message.Message):
    __slots__ = ["json_schema", "name", "strict", "type"]
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STRICT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_JSON_OBJECT: ResponseFormat.Type
    TYPE_JSON_SCHEMA: ResponseFormat.Type
    TYPE_UNSPECIFIED: ResponseFormat.Type
    json_schema: str
    name: str
    strict: bool
    type: ResponseFormat.Type
    def __init__(self, type: _Optional[_Union[ResponseFormat.Type, str]] = ..., json_schema: _Optional[str] = ..., name: _Optional[str] = ..., strict: bool = ...) -> None: ...

class RouteEvent(_message.Message):
    __slots__ = ["attempt", "decision_id", "dropped_parameters", "model", "provider", "upstream_model"]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    DROPPED_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_MODEL_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    decision_id: str
    dropped_parameters: _containers.RepeatedScalarFieldContainer[str]
    model: str
    provider: str
    upstream_model: str
    def __init__(self, provider: _Optional[str] = ..., model: _Optional[str] = ..., decision_id: _Optional[str] = ..., attempt: _Optional[int] = ..., upstream_model: _Optional[str] = ..., dropped_parameters: _Optional[_Iterable[str]] = ...) -> None: ...

class RouteRequest(_message.Message):
    __slots__ = ["context", "kind", "max_output_tokens", "messages", "model", "request_id", "requirements", "strategy"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REQUIREMENTS_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    context: _common_pb2.RoutingContext
    kind: _common_pb2.ModelKind
    max_output_tokens: int
    messages: _containers.RepeatedCompositeFieldContainer[_common_pb2.Message]
    model: str
    request_id: str
    requirements: _common_pb2.Requirements
    strategy: _common_pb2.Strategy
    def __init__(self, model: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_common_pb2.Message, _Mapping]]] = ..., max_output_tokens: _Optional[int] = ..., context: _Optional[_Union[_common_pb2.RoutingContext, _Mapping]] = ..., requirements: _Optional[_Union[_common_pb2.Requirements, _Mapping]] = ..., strategy: _Optional[_Union[_common_pb2.Strategy, str]] = ..., request_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.ModelKind, str]] = ...) -> None: ...

class RouteResponse(_message.Message):
    __slots__ = ["candidates", "catalog_version", "decision_id", "estimate", "excluded", "policy_version", "resolved", "strategy"]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDED_FIELD_NUMBER: _ClassVar[int]
    POLICY_VERSION_FIELD_NUMBER: _ClassVar[int]
    RESOLVED_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    candidates: _containers.RepeatedCompositeFieldContainer[Candidate]
    catalog_version: str
    decision_id: str
    estimate: Estimate
    excluded: _containers.RepeatedCompositeFieldContainer[Exclusion]
    policy_version: str
    resolved: str
    strategy: _common_pb2.Strategy
    def __init__(self, decision_id: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[Candidate, _Mapping]]] = ..., excluded: _Optional[_Iterable[_Union[Exclusion, _Mapping]]] = ..., estimate: _Optional[_Union[Estimate, _Mapping]] = ..., policy_version: _Optional[str] = ..., strategy: _Optional[_Union[_common_pb2.Strategy, str]] = ..., resolved: _Optional[str] = ..., catalog_version: _Optional[str] = ...) -> None: ...

class TextDelta(_message.Message):
    __slots__ = ["reasoning", "text"]
    REASONING_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    reasoning: str
    text: str
    def __init__(self, text: _Optional[str] = ..., reasoning: _Optional[str] = ...) -> None: ...

class Tool(_message.Message):
    __slots__ = ["description", "name", "parameters_json_schema"]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_JSON_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    description: str
    name: str
    parameters_json_schema: str
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., parameters_json_schema: _Optional[str] = ...) -> None: ...

class ToolCallDelta(_message.Message):
    __slots__ = ["arguments_delta", "id", "index", "name"]
    ARGUMENTS_DELTA_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    arguments_delta: str
    id: str
    index: int
    name: str
    def __init__(self, index: _Optional[int] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., arguments_delta: _Optional[str] = ...) -> None: ...

class ToolChoice(_message.Message):
    __slots__ = ["function_name", "mode"]
    class Mode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    FUNCTION_NAME_FIELD_NUMBER: _ClassVar[int]
    MODE_AUTO: ToolChoice.Mode
    MODE_FIELD_NUMBER: _ClassVar[int]
    MODE_FUNCTION: ToolChoice.Mode
    MODE_NONE: ToolChoice.Mode
    MODE_REQUIRED: ToolChoice.Mode
    MODE_UNSPECIFIED: ToolChoice.Mode
    function_name: str
    mode: ToolChoice.Mode
    def __init__(self, mode: _Optional[_Union[ToolChoice.Mode, str]] = ..., function_name: _Optional[str] = ...) -> None: ...

class ExclusionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ReasoningEffort(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class UpstreamErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class FinishReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
