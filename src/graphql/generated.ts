import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CallModel, SyncRunModel, SyncStatsModel, TranscriptTurnModel } from './models.js';
import type { MercuriusContext } from 'mercurius';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string | number; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A calendar day, YYYY-MM-DD. As a filter it is a day in the service's CALLS_TIMEZONE. */
  Date: { input: string; output: string; }
  /** An instant, as ISO-8601 in UTC (2025-10-29T14:30:00.000Z). */
  DateTime: { input: Date; output: Date | string; }
  /** Any JSON value, passed through as ElevenLabs sent it. */
  JSON: { input: unknown; output: unknown; }
};

/** Whether this page could include the live head from the API. */
export type ApiStatus =
  /** The API did not answer within API_TIMEOUT_MS, or failed: the page is from the database only. */
  | 'degraded'
  /** No ElevenLabs API is configured (or HYBRID_API_LIMIT is 0). */
  | 'disabled'
  /** The head was read (or served from its short cache) and merged in. */
  | 'ok';

export type Call = {
  __typename?: 'Call';
  agentId?: Maybe<Scalars['String']['output']>;
  agentName?: Maybe<Scalars['String']['output']>;
  analysis?: Maybe<Scalars['JSON']['output']>;
  callId?: Maybe<Scalars['String']['output']>;
  callType?: Maybe<Scalars['String']['output']>;
  calleeNumber?: Maybe<Scalars['String']['output']>;
  callerNumber?: Maybe<Scalars['String']['output']>;
  conversationId: Scalars['ID']['output'];
  direction?: Maybe<CallDirection>;
  durationSeconds: Scalars['Int']['output'];
  endReason?: Maybe<Scalars['String']['output']>;
  endedAt?: Maybe<Scalars['DateTime']['output']>;
  /** When the database last wrote this call; null for a head call not stored yet. */
  lastSyncedAt?: Maybe<Scalars['DateTime']['output']>;
  metadata?: Maybe<Scalars['JSON']['output']>;
  /** This service's recording route (GET, same auth as GraphQL); the API's own needs the key. */
  recordingUrl?: Maybe<Scalars['String']['output']>;
  source: CallSource;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: CallStatus;
  summary?: Maybe<Scalars['String']['output']>;
  /** Read only when asked for: all transcripts of a page in one query. */
  transcript?: Maybe<Array<TranscriptTurn>>;
};

export type CallDirection =
  | 'inbound'
  | 'outbound';

export type CallPage = {
  __typename?: 'CallPage';
  data: Array<Call>;
  pagination: Pagination;
  stats: CallStats;
};

/** Where a call in a page came from. */
export type CallSource =
  /** The live head: the newest calls, read from the ElevenLabs API for this page. */
  | 'api'
  /** The service's own database. */
  | 'db';

export type CallStats = {
  __typename?: 'CallStats';
  apiStatus: ApiStatus;
  /** Rows of this page served from the live head. */
  fromApi: Scalars['Int']['output'];
  /** Rows of this page served from the database. */
  fromDatabase: Scalars['Int']['output'];
  /** Calls matching the filter, head and database together. */
  totalConversations: Scalars['Int']['output'];
  /** Duration of every call matching the filter, in minutes (rounded). */
  totalDurationMinutes: Scalars['Int']['output'];
};

export type CallStatus =
  | 'done'
  | 'failed'
  | 'in_progress'
  | 'waiting';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Runs a manual sync of the newest `limit` calls (1..10000). wait: true returns the finished run;
   * wait: false returns the run in progress at once. Needs the admin token.
   */
  syncCalls: SyncRun;
};


export type MutationSyncCallsArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  wait?: InputMaybe<Scalars['Boolean']['input']>;
};

export type Pagination = {
  __typename?: 'Pagination';
  page: Scalars['Int']['output'];
  pageSize: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
  totalPages: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /** One call: the stored one, else fetched from the API (and stored), else null. */
  call?: Maybe<Call>;
  /**
   * Calls newest first (startedAt, then conversationId, descending): the live head merged with the
   * stored history, without duplicates. page >= 1; pageSize 1..100; search (at most 100 characters)
   * matches a conversation or call id by prefix, or the last digits of the caller's or callee's
   * number; date is a day in CALLS_TIMEZONE.
   */
  calls: CallPage;
  /** One sync run (poll it after syncCalls(wait: false)). */
  syncRun?: Maybe<SyncRun>;
  syncStats: SyncStats;
};


export type QueryCallArgs = {
  conversationId: Scalars['ID']['input'];
};


export type QueryCallsArgs = {
  date?: InputMaybe<Scalars['Date']['input']>;
  page?: InputMaybe<Scalars['Int']['input']>;
  pageSize?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


export type QuerySyncRunArgs = {
  id: Scalars['ID']['input'];
};

export type StatusCount = {
  __typename?: 'StatusCount';
  count: Scalars['Int']['output'];
  status: CallStatus;
};

export type SyncRun = {
  __typename?: 'SyncRun';
  completedAt?: Maybe<Scalars['DateTime']['output']>;
  errorMessage?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  recordsFailed: Scalars['Int']['output'];
  recordsSynced: Scalars['Int']['output'];
  startedAt: Scalars['DateTime']['output'];
  status: SyncRunStatus;
  syncType: SyncType;
};

export type SyncRunStatus =
  | 'failed'
  | 'in_progress'
  | 'success';

export type SyncStats = {
  __typename?: 'SyncStats';
  byStatus: Array<StatusCount>;
  lastSuccessfulSyncAt?: Maybe<Scalars['DateTime']['output']>;
  lastWebhookAt?: Maybe<Scalars['DateTime']['output']>;
  /** Newest first; limit 1..100; type narrows to one kind of run. */
  recentSyncs: Array<SyncRun>;
  totalCalls: Scalars['Int']['output'];
};


export type SyncStatsRecentSyncsArgs = {
  limit?: InputMaybe<Scalars['Int']['input']>;
  type?: InputMaybe<SyncType>;
};

export type SyncType =
  | 'manual'
  | 'polling'
  | 'webhook';

export type TranscriptTurn = {
  __typename?: 'TranscriptTurn';
  message?: Maybe<Scalars['String']['output']>;
  role: Scalars['String']['output'];
  timeInCallSecs?: Maybe<Scalars['Float']['output']>;
};

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  ApiStatus: ApiStatus;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Call: ResolverTypeWrapper<CallModel>;
  CallDirection: CallDirection;
  CallPage: ResolverTypeWrapper<Omit<CallPage, 'data'> & { data: Array<ResolversTypes['Call']> }>;
  CallSource: CallSource;
  CallStats: ResolverTypeWrapper<CallStats>;
  CallStatus: CallStatus;
  Date: ResolverTypeWrapper<Scalars['Date']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Pagination: ResolverTypeWrapper<Pagination>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StatusCount: ResolverTypeWrapper<StatusCount>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  SyncRun: ResolverTypeWrapper<SyncRunModel>;
  SyncRunStatus: SyncRunStatus;
  SyncStats: ResolverTypeWrapper<SyncStatsModel>;
  SyncType: SyncType;
  TranscriptTurn: ResolverTypeWrapper<TranscriptTurnModel>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Boolean: Scalars['Boolean']['output'];
  Call: CallModel;
  CallPage: Omit<CallPage, 'data'> & { data: Array<ResolversParentTypes['Call']> };
  CallStats: CallStats;
  Date: Scalars['Date']['output'];
  DateTime: Scalars['DateTime']['output'];
  Float: Scalars['Float']['output'];
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Mutation: Record<PropertyKey, never>;
  Pagination: Pagination;
  Query: Record<PropertyKey, never>;
  StatusCount: StatusCount;
  String: Scalars['String']['output'];
  SyncRun: SyncRunModel;
  SyncStats: SyncStatsModel;
  TranscriptTurn: TranscriptTurnModel;
}>;

export type CallResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Call'] = ResolversParentTypes['Call']> = ResolversObject<{
  agentId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  agentName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  analysis?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  callId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  callType?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  calleeNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  callerNumber?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  conversationId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  direction?: Resolver<Maybe<ResolversTypes['CallDirection']>, ParentType, ContextType>;
  durationSeconds?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  endReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  endedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastSyncedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  metadata?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  recordingUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['CallSource'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CallStatus'], ParentType, ContextType>;
  summary?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  transcript?: Resolver<Maybe<Array<ResolversTypes['TranscriptTurn']>>, ParentType, ContextType>;
}>;

export type CallPageResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['CallPage'] = ResolversParentTypes['CallPage']> = ResolversObject<{
  data?: Resolver<Array<ResolversTypes['Call']>, ParentType, ContextType>;
  pagination?: Resolver<ResolversTypes['Pagination'], ParentType, ContextType>;
  stats?: Resolver<ResolversTypes['CallStats'], ParentType, ContextType>;
}>;

export type CallStatsResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['CallStats'] = ResolversParentTypes['CallStats']> = ResolversObject<{
  apiStatus?: Resolver<ResolversTypes['ApiStatus'], ParentType, ContextType>;
  fromApi?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  fromDatabase?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalConversations?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalDurationMinutes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export interface DateScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Date'], any> {
  name: 'Date';
}

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MutationResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  syncCalls?: Resolver<ResolversTypes['SyncRun'], ParentType, ContextType, RequireFields<MutationSyncCallsArgs, 'limit' | 'wait'>>;
}>;

export type PaginationResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Pagination'] = ResolversParentTypes['Pagination']> = ResolversObject<{
  page?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pageSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  totalPages?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  call?: Resolver<Maybe<ResolversTypes['Call']>, ParentType, ContextType, RequireFields<QueryCallArgs, 'conversationId'>>;
  calls?: Resolver<ResolversTypes['CallPage'], ParentType, ContextType, RequireFields<QueryCallsArgs, 'page' | 'pageSize'>>;
  syncRun?: Resolver<Maybe<ResolversTypes['SyncRun']>, ParentType, ContextType, RequireFields<QuerySyncRunArgs, 'id'>>;
  syncStats?: Resolver<ResolversTypes['SyncStats'], ParentType, ContextType>;
}>;

export type StatusCountResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['StatusCount'] = ResolversParentTypes['StatusCount']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['CallStatus'], ParentType, ContextType>;
}>;

export type SyncRunResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['SyncRun'] = ResolversParentTypes['SyncRun']> = ResolversObject<{
  completedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  errorMessage?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  recordsFailed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  recordsSynced?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SyncRunStatus'], ParentType, ContextType>;
  syncType?: Resolver<ResolversTypes['SyncType'], ParentType, ContextType>;
}>;

export type SyncStatsResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['SyncStats'] = ResolversParentTypes['SyncStats']> = ResolversObject<{
  byStatus?: Resolver<Array<ResolversTypes['StatusCount']>, ParentType, ContextType>;
  lastSuccessfulSyncAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastWebhookAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  recentSyncs?: Resolver<Array<ResolversTypes['SyncRun']>, ParentType, ContextType, RequireFields<SyncStatsRecentSyncsArgs, 'limit'>>;
  totalCalls?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type TranscriptTurnResolvers<ContextType = MercuriusContext, ParentType extends ResolversParentTypes['TranscriptTurn'] = ResolversParentTypes['TranscriptTurn']> = ResolversObject<{
  message?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  role?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  timeInCallSecs?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
}>;

export type Resolvers<ContextType = MercuriusContext> = ResolversObject<{
  Call?: CallResolvers<ContextType>;
  CallPage?: CallPageResolvers<ContextType>;
  CallStats?: CallStatsResolvers<ContextType>;
  Date?: GraphQLScalarType;
  DateTime?: GraphQLScalarType;
  JSON?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Pagination?: PaginationResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StatusCount?: StatusCountResolvers<ContextType>;
  SyncRun?: SyncRunResolvers<ContextType>;
  SyncStats?: SyncStatsResolvers<ContextType>;
  TranscriptTurn?: TranscriptTurnResolvers<ContextType>;
}>;

