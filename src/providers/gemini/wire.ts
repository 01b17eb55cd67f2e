// Gemini API (generativelanguage v1beta) wire types: only the fields Switchyard sends or reads.
// camelCase as the official SDK sends them (the REST API also accepts snake_case).
// See shared/provider-wire.md §3.

export interface GeminiInlineData {
  mimeType: string;
  /** base64 */
  data: string;
}

export interface GeminiFunctionCall {
  /** Only some models send an id; the API does not require one in history. */
  id?: string;
  name: string;
  args?: Record<string, unknown>;
}

export interface GeminiPart {
  text?: string;
  /** true: `text` is a thought summary (reasoning), not answer text. */
  thought?: boolean;
  thoughtSignature?: string;
  inlineData?: GeminiInlineData;
  fileData?: { mimeType?: string; fileUri: string };
  functionCall?: GeminiFunctionCall;
  functionResponse?: { id?: string; name: string; response: Record<string, unknown> };
}

export interface GeminiContent {
  role?: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  /** Plain JSON Schema (lowercase types); the older `parameters` takes an OpenAPI subset. */
  parametersJsonSchema?: Record<string, unknown>;
}

export interface GeminiThinkingConfig {
  includeThoughts?: boolean;
  /** Gemini 2.5: token budget (0 = off, -1 = dynamic). */
  thinkingBudget?: number;
  /** Gemini 3: level instead of a budget. */
  thinkingLevel?: 'minimal' | 'low' | 'medium' | 'high';
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseSchema?: Record<string, unknown>;
  responseJsonSchema?: Record<string, unknown>;
  thinkingConfig?: GeminiThinkingConfig;
}

export interface GeminiGenerateRequest {
  contents: GeminiContent[];
  systemInstruction?: GeminiContent;
  tools?: { functionDeclarations: GeminiFunctionDeclaration[] }[];
  toolConfig?: { functionCallingConfig: { mode: 'AUTO' | 'ANY' | 'NONE'; allowedFunctionNames?: string[] } };
  generationConfig?: GeminiGenerationConfig;
  [extra: string]: unknown;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  totalTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GeminiCandidate {
  content?: { role?: string; parts?: GeminiPart[] };
  finishReason?: string;
  index?: number;
}

/** One SSE `data:` payload of :streamGenerateContent?alt=sse (each a complete, non-cumulative response). */
export interface GeminiGenerateResponse {
  candidates?: GeminiCandidate[];
  promptFeedback?: { blockReason?: string };
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  /** In-band error (google.rpc.Status) sent instead of a response. */
  error?: GeminiStatus;
}

/** google.rpc.Status as JSON. */
export interface GeminiStatus {
  code?: number;
  message?: string;
  status?: string;
  details?: { '@type'?: string; [k: string]: unknown }[];
}

export interface GeminiEmbedRequest {
  model: string;
  content: { parts: { text: string }[] };
  outputDimensionality?: number;
}

export interface GeminiEmbedResponse {
  embedding?: { values?: number[] };
}

export interface GeminiBatchEmbedResponse {
  embeddings?: { values?: number[] }[];
}

export interface GeminiModelList {
  models?: { name?: string; supportedGenerationMethods?: string[] }[];
  nextPageToken?: string;
}
