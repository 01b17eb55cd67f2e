from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CAPABILITY_AUDIO_INPUT: Capability
CAPABILITY_EMBEDDINGS: Capability
CAPABILITY_EMBEDDING_DIMENSIONS: Capability
CAPABILITY_JSON_OUTPUT: Capability
CAPABILITY_JSON_SCHEMA: Capability
CAPABILITY_PARALLEL_TOOLS: Capability
CAPABILITY_PROMPT_CACHING: Capability
CAPABILITY_REASONING: Capability
CAPABILITY_STREAMING: Capability
CAPABILITY_SYSTEM_MESSAGES: Capability
CAPABILITY_TOOLS: Capability
CAPABILITY_UNSPECIFIED: Capability
CAPABILITY_VISION: Capability
DESCRIPTOR: _descriptor.FileDescriptor
MODEL_KIND_CHAT: ModelKind
MODEL_KIND_EMBEDDING: ModelKind
MODEL_KIND_UNSPECIFIED: ModelKind
ROLE_ASSISTANT: Role
ROLE_SYSTEM: Role
ROLE_TOOL: Role
ROLE_UNSPECIFIED: Role
ROLE_USER: Role
SENSITIVITY_CONFIDENTIAL: Sensitivity
SENSITIVITY_INTERNAL: Sensitivity
SENSITIVITY_PUBLIC: Sensitivity
SENSITIVITY_RESTRICTED: Sensitivity
SENSITIVITY_UNSPECIFIED: Sensitivity
STRATEGY_CHEAPEST: Strategy
STRATEGY_FASTEST: Strategy
STRATEGY_LEAST_BUSY: Strategy
STRATEGY_PINNED: Strategy
STRATEGY_PRIORITY: Strategy
STRATEGY_QUALITY: Strategy
STRATEGY_SCORED: Strategy
STRATEGY_UNSPECIFIED: Strategy
STRATEGY_WEIGHTED: Strategy

class ContentPart(_message.Message):
    __slots__ = ["image", "text"]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    image: Image
    text: str
    def __init__(self, text: _Optional[str] = ..., image: _Optional[_Union[Image, _Mapping]] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ["data", "mime_type", "url"]
    DATA_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    mime_type: str
    url: str
    def __init__(self, url: _Optional[str] = ..., data: _Optional[bytes] = ..., mime_type: _Optional[str] = ...) -> None: ...

class Message(_message.Message):
    __slots__ = ["content", "name", "parts", "role", "tool_call_id", "tool_calls"]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALLS_FIELD_NUMBER: _ClassVar[int]
    TOOL_CALL_ID_FIELD_NUMBER: _ClassVar[int]
    content: str
    name: str
    parts: _containers.RepeatedCompositeFieldContainer[ContentPart]
    role: Role
    tool_call_id: str
    tool_calls: _containers.RepeatedCompositeFieldContainer[ToolCall]
    def __init__(self, role: _Optional[_Union[Role, str]] = ..., content: _Optional[str] = ..., parts: _Optional[_Iterable[_Union[ContentPart, _Mapping]]] = ..., tool_calls: _Optional[_Iterable[_Union[ToolCall, _Mapping]]] = ..., tool_call_id: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ModelInfo(_message.Message):
    __slots__ = ["capabilities", "context_window", "deprecation_date", "display_name", "embedding_dimensions", "id", "kind", "local", "max_output_tokens", "parameters", "pricing", "provider", "regions", "source", "upstream_model"]
    class ParametersEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ParameterAvailability
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ParameterAvailability, _Mapping]] = ...) -> None: ...
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_WINDOW_FIELD_NUMBER: _ClassVar[int]
    DEPRECATION_DATE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCAL_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PRICING_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_MODEL_FIELD_NUMBER: _ClassVar[int]
    capabilities: _containers.RepeatedScalarFieldContainer[Capability]
    context_window: int
    deprecation_date: str
    display_name: str
    embedding_dimensions: int
    id: str
    kind: ModelKind
    local: bool
    max_output_tokens: int
    parameters: _containers.MessageMap[str, ParameterAvailability]
    pricing: Pricing
    provider: str
    regions: _containers.RepeatedScalarFieldContainer[str]
    source: str
    upstream_model: str
    def __init__(self, id: _Optional[str] = ..., provider: _Optional[str] = ..., kind: _Optional[_Union[ModelKind, str]] = ..., context_window: _Optional[int] = ..., max_output_tokens: _Optional[int] = ..., pricing: _Optional[_Union[Pricing, _Mapping]] = ..., capabilities: _Optional[_Iterable[_Union[Capability, str]]] = ..., embedding_dimensions: _Optional[int] = ..., regions: _Optional[_Iterable[str]] = ..., local: bool = ..., parameters: _Optional[_Mapping[str, ParameterAvailability]] = ..., upstream_model: _Optional[str] = ..., display_name: _Optional[str] = ..., source: _Optional[str] = ..., deprecation_date: _Optional[str] = ...) -> None: ...

class MutableParameter(_message.Message):
    __slots__ = ["allowed_values", "default_json", "max", "min"]
    ALLOWED_VALUES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_JSON_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    allowed_values: _containers.RepeatedScalarFieldContainer[str]
    default_json: str
    max: float
    min: float
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ..., default_json: _Optional[str] = ..., allowed_values: _Optional[_Iterable[str]] = ...) -> None: ...

class OpaqueParameter(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ParameterAvailability(_message.Message):
    __slots__ = ["mutable", "opaque", "read_only", "unsupported"]
    MUTABLE_FIELD_NUMBER: _ClassVar[int]
    OPAQUE_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_FIELD_NUMBER: _ClassVar[int]
    mutable: MutableParameter
    opaque: OpaqueParameter
    read_only: ReadOnlyParameter
    unsupported: UnsupportedParameter
    def __init__(self, mutable: _Optional[_Union[MutableParameter, _Mapping]] = ..., read_only: _Optional[_Union[ReadOnlyParameter, _Mapping]] = ..., opaque: _Optional[_Union[OpaqueParameter, _Mapping]] = ..., unsupported: _Optional[_Union[UnsupportedParameter, _Mapping]] = ...) -> None: ...

class PriceTier(_message.Message):
    __slots__ = ["above_input_tokens", "cached_input", "input", "output"]
    ABOVE_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    CACHED_INPUT_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    above_input_tokens: int
    cached_input: int
    input: int
    output: int
    def __init__(self, above_input_tokens: _Optional[int] = ..., input: _Optional[int] = ..., output: _Optional[int] = ..., cached_input: _Optional[int] = ...) -> None: ...

class Pricing(_message.Message):
    __slots__ = ["cache_write_input", "cached_input", "input", "output", "reasoning", "tiers"]
    CACHED_INPUT_FIELD_NUMBER: _ClassVar[int]
    CACHE_WRITE_INPUT_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    REASONING_FIELD_NUMBER: _ClassVar[int]
    TIERS_FIELD_NUMBER: _ClassVar[int]
    cache_write_input: int
    cached_input: int
    input: int
    output: int
    reasoning: int
    tiers: _containers.RepeatedCompositeFieldContainer[PriceTier]
    def __init__(self, input: _Optional[int] = ..., output: _Optional[int] = ..., cached_input: _Optional[int] = ..., cache_write_input: _Optional[int] = ..., reasoning: _Optional[int] = ..., tiers: _Optional[_Iterable[_Union[PriceTier, _Mapping]]] = ...) -> None: ...

class ReadOnlyParameter(_message.Message):
    __slots__ = ["value_json"]
    VALUE_JSON_FIELD_NUMBER: _ClassVar[int]
    value_json: str
    def __init__(self, value_json: _Optional[str] = ...) -> None: ...

class Requirements(_message.Message):
    __slots__ = ["allowed_providers", "allowed_regions", "capabilities", "denied_providers", "max_latency_ms", "max_price_per_million_tokens", "min_context_tokens", "required_parameters"]
    ALLOWED_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_REGIONS_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    DENIED_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_PER_MILLION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    MIN_CONTEXT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    allowed_providers: _containers.RepeatedScalarFieldContainer[str]
    allowed_regions: _containers.RepeatedScalarFieldContainer[str]
    capabilities: _containers.RepeatedScalarFieldContainer[Capability]
    denied_providers: _containers.RepeatedScalarFieldContainer[str]
    max_latency_ms: int
    max_price_per_million_tokens: int
    min_context_tokens: int
    required_parameters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, capabilities: _Optional[_Iterable[_Union[Capability, str]]] = ..., min_context_tokens: _Optional[int] = ..., required_parameters: _Optional[_Iterable[str]] = ..., allowed_providers: _Optional[_Iterable[str]] = ..., denied_providers: _Optional[_Iterable[str]] = ..., allowed_regions: _Optional[_Iterable[str]] = ..., max_price_per_million_tokens: _Optional[int] = ..., max_latency_ms: _Optional[int] = ...) -> None: ...

class RoutingContext(_message.Message):
    __slots__ = ["labels", "region", "sensitivity", "task_type", "worker_id"]
    class LabelsEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LABELS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    SENSITIVITY_FIELD_NUMBER: _ClassVar[int]
    TASK_TYPE_FIELD_NUMBER: _ClassVar[int]
    WORKER_ID_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.ScalarMap[str, str]
    region: str
    sensitivity: Sensitivity
    task_type: str
    worker_id: str
    def __init__(self, worker_id: _Optional[str] = ..., task_type: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., sensitivity: _Optional[_Union[Sensitivity, str]] = ..., region: _Optional[str] = ...) -> None: ...

class ToolCall(_message.Message):
    __slots__ = ["arguments_json", "id", "name"]
    ARGUMENTS_JSON_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    arguments_json: str
    id: str
    name: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., arguments_json: _Optional[str] = ...) -> None: ...

class UnsupportedParameter(_message.Message):
    __slots__ = ["reason"]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: str
    def __init__(self, reason: _Optional[str] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ["cached_input_tokens", "cost", "estimated", "input_tokens", "output_tokens", "reasoning_tokens"]
    CACHED_INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_FIELD_NUMBER: _ClassVar[int]
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    REASONING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    cached_input_tokens: int
    cost: int
    estimated: bool
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    def __init__(self, input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ..., cached_input_tokens: _Optional[int] = ..., reasoning_tokens: _Optional[int] = ..., cost: _Optional[int] = ..., estimated: bool = ...) -> None: ...

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Capability(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Sensitivity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class Strategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ModelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
