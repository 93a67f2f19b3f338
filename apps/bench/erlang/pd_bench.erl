%% BEAM peer of the Palladium benchmark suite (apps/bench). Compiled by the suite with
%% erlc into a temporary directory at run time, then run as
%%   erl +P 4000000 -noshell -pa DIR -run pd_bench main Workload Runs Warmups Params WarmParams -s init stop
%% where Params and WarmParams are "key=value,key=value". Prints one line per measured run:
%%   @@RESULT {"ops":N,"seconds":S[,"bytesPerActor":B][,"p50Us":X,"p99Us":Y]}
%% Each workload mirrors the JavaScript one of the same name in apps/bench/src/impls.
%% The remote workloads need a distributed node (the suite adds `-name ...@127.0.0.1
%% -setcookie ...`); this node then starts the far node itself, with peer (OTP 25+).
-module(pd_bench).
-behaviour(gen_server).

-export([main/1]).
-export([remote_sink/2, remote_echo/0]).
-export([init/1, handle_call/3, handle_cast/2]).

main([W, Runs, Warmups, ParamStr, WarmStr]) ->
    Workload = list_to_atom(W),
    Params = parse_params(ParamStr),
    WarmParams = parse_params(WarmStr),
    try
        Peer = setup(Workload),
        try
            [run(Workload, WarmParams) || _ <- lists:seq(1, list_to_integer(Warmups))],
            [emit(run(Workload, Params)) || _ <- lists:seq(1, list_to_integer(Runs))],
            ok
        after
            teardown(Peer)
        end
    catch
        Class:Reason:Stack ->
            io:format("@@ERROR ~p:~p ~P~n", [Class, Reason, Stack, 8])
    end.

parse_params("") -> #{};
parse_params(Str) ->
    maps:from_list([begin
                        [K, V] = string:split(KV, "="),
                        {list_to_atom(K), list_to_integer(V)}
                    end || KV <- string:split(Str, ",", all)]).

now_us() -> erlang:monotonic_time(microsecond).

emit({Ops, Us, Extra}) ->
    io:format("@@RESULT {\"ops\":~b,\"seconds\":~.6f~s}~n", [Ops, Us / 1.0e6, Extra]).

%% The remote workloads run between this node and a far node on loopback, started here as
%% a child OS process with peer: the same cookie, this module's directory in its code path
%% (processes are spawned there by MFA). A peer halts when it loses its control connection
%% (the distribution connection to this node), so a run that is killed leaves no node behind.
setup(W) when W =:= remote; W =:= 'remote-rtt' ->
    is_alive() orelse error({not_distributed, "start erl with -name and -setcookie (the suite does)"}),
    [_, Host] = string:split(atom_to_list(node()), "@"),
    Name = list_to_atom("pd_bench_far_" ++ os:getpid()),
    Dir = filename:dirname(code:which(?MODULE)),
    {ok, Peer, Far} = peer:start_link(#{name => Name, host => Host,
                                        args => ["-setcookie", atom_to_list(erlang:get_cookie()), "-pa", Dir]}),
    pong = net_adm:ping(Far),
    put(pd_bench_far, Far),
    Peer;
setup(_) -> none.

teardown(none) -> ok;
teardown(Peer) -> peer:stop(Peer).

%% Wait until the processes of a previous run have exited.
settle(Count) ->
    case erlang:system_info(process_count) > Count of
        true -> timer:sleep(5), settle(Count);
        false -> ok
    end.

run(Workload, P) ->
    Before = erlang:system_info(process_count),
    R = workload(Workload, P),
    settle(Before),
    R.

%% ---- ring: N processes, one token, H hops ----
workload(ring, #{actors := N, hops := H}) ->
    Self = self(),
    Pids = [spawn(fun() -> ring_wait(Self) end) || _ <- lists:seq(1, N)],
    Nexts = tl(Pids) ++ [hd(Pids)],
    lists:foreach(fun({P, Q}) -> P ! {next, Q} end, lists:zip(Pids, Nexts)),
    T0 = now_us(),
    hd(Pids) ! H,
    receive ring_done -> ok end,
    Us = now_us() - T0,
    [P ! stop || P <- Pids],
    {H, Us, ""};

%% ---- spawn: N idle processes kept alive; memory per process after GC ----
workload(spawn, #{actors := N}) ->
    erlang:garbage_collect(),
    M0 = erlang:memory(processes),
    T0 = now_us(),
    Pids = spawn_idle(N, []),
    Us = now_us() - T0,
    erlang:garbage_collect(),
    M1 = erlang:memory(processes),
    [P ! stop || P <- Pids],
    {N, Us, io_lib:format(",\"bytesPerActor\":~.1f", [(M1 - M0) / N])};

%% ---- pingpong: two processes bounce an integer R times ----
workload(pingpong, #{rounds := R}) ->
    Self = self(),
    Pong = spawn(fun pong_wait/0),
    Ping = spawn(fun() -> ping(Pong, Self) end),
    Pong ! {ping, Ping},
    T0 = now_us(),
    Pong ! R,
    receive pingpong_done -> ok end,
    Us = now_us() - T0,
    Pong ! stop,
    {R, Us, ""};

%% ---- ask: Askers concurrent callers, gen_server:call one at a time ----
workload(ask, #{asks := Total, askers := Askers}) ->
    {ok, S} = gen_server:start(?MODULE, [], []),
    Per = Total div Askers,
    Self = self(),
    T0 = now_us(),
    Clients = [spawn(fun() -> asker_main(S, Per, Self) end) || _ <- lists:seq(1, Askers)],
    [receive {asker_done, C} -> ok end || C <- Clients],
    Us = now_us() - T0,
    Lats = lists:sort(lists:append([receive {lats, C, L} -> L end || C <- Clients])),
    gen_server:stop(S),
    Len = length(Lats),
    P50 = lists:nth(max(1, ceil(0.5 * Len)), Lats),
    P99 = lists:nth(max(1, ceil(0.99 * Len)), Lats),
    ToUs = fun(D) -> erlang:convert_time_unit(D, native, nanosecond) / 1000 end,
    {Per * Askers, Us, io_lib:format(",\"p50Us\":~.3f,\"p99Us\":~.3f", [ToUs(P50), ToUs(P99)])};

%% ---- fanin: Senders processes each send PerSender messages to one sink ----
workload(fanin, #{senders := S, perSender := Per}) ->
    Self = self(),
    Total = S * Per,
    Sink = spawn(fun() -> sink(Total, Self) end),
    T0 = now_us(),
    [spawn(fun() -> send_n(Sink, Per) end) || _ <- lists:seq(1, S)],
    receive fanin_done -> ok end,
    {Total, now_us() - T0, ""};

%% ---- hotswap: a driver replaces the worker's behaviour fun while messages flow ----
%% The swap is a message like the others, handled in mailbox order (as pd's and bare-v8's
%% workers, which take a swap message and change their own behaviour).
workload(hotswap, #{swaps := Swaps, msgsPerSwap := PerSwap}) ->
    Self = self(),
    V1 = fun(M, Count) -> Count + M end,
    V2 = fun(M, Count) -> M + Count end,
    Worker = spawn(fun() -> worker(V1, 0, 0) end),
    T0 = now_us(),
    spawn(fun() -> drive(Worker, Swaps, PerSwap, V1, V2), Worker ! {get, Self} end),
    {Count, SwapsSeen, F} = receive {count, C, S, G} -> {C, S, G} end,
    Us = now_us() - T0,
    Count = Swaps * PerSwap,
    SwapsSeen = Swaps,
    F = case Swaps rem 2 of 0 -> V1; 1 -> V2 end,
    Worker ! stop,
    {Swaps, Us, ""};

%% ---- remote: one-way messages to a process on the far node (anchors/erlang/dist.erl) ----
workload(remote, #{messages := N}) ->
    Self = self(),
    Sink = spawn(get(pd_bench_far), ?MODULE, remote_sink, [N, Self]),
    %% The sink runs on the far node before the clock starts.
    Sink ! {ready_q, Self},
    receive {ready, Sink} -> ok end,
    T0 = now_us(),
    send_m(Sink, N),
    receive {remote_done, Sink} -> ok end,
    {N, now_us() - T0, ""};

%% ---- remote-rtt: sequential asks to a process on the far node ----
workload('remote-rtt', #{rounds := R}) ->
    Echo = spawn(get(pd_bench_far), ?MODULE, remote_echo, []),
    -1 = remote_ask(Echo, -1),
    T0 = now_us(),
    Lats = remote_asks(Echo, R, []),
    Us = now_us() - T0,
    Echo ! stop,
    {R, Us, latency_extra(lists:sort(Lats))};

%% ---- timers: schedule N delayed messages, cancel them all ----
workload(timers, #{timers := N}) ->
    Self = self(),
    T0 = now_us(),
    Refs = [erlang:send_after(60000 + (I rem 1000), Self, tick) || I <- lists:seq(1, N)],
    lists:foreach(fun(R) -> erlang:cancel_timer(R) end, Refs),
    {N, now_us() - T0, ""}.

ring_wait(Parent) -> receive {next, Next} -> ring_loop(Next, Parent) end.

ring_loop(Next, Parent) ->
    receive
        0 -> Parent ! ring_done, ring_loop(Next, Parent);
        K when is_integer(K) -> Next ! K - 1, ring_loop(Next, Parent);
        stop -> ok
    end.

spawn_idle(0, Acc) -> Acc;
spawn_idle(K, Acc) -> spawn_idle(K - 1, [spawn(fun idle/0) | Acc]).

idle() -> receive stop -> ok end.

pong_wait() -> receive {ping, Ping} -> pong(Ping) end.

pong(Ping) ->
    receive
        K when is_integer(K) -> Ping ! K, pong(Ping);
        stop -> ok
    end.

ping(Pong, Parent) ->
    receive
        0 -> Parent ! pingpong_done;
        K -> Pong ! K - 1, ping(Pong, Parent)
    end.

asker_main(S, Per, Parent) ->
    L = asker(S, Per, []),
    Parent ! {asker_done, self()},
    Parent ! {lats, self(), L}.

asker(_, 0, Acc) -> Acc;
asker(S, K, Acc) ->
    T = erlang:monotonic_time(),
    K = gen_server:call(S, K),
    asker(S, K - 1, [erlang:monotonic_time() - T | Acc]).

sink(0, Parent) -> Parent ! fanin_done;
sink(K, Parent) -> receive _ -> sink(K - 1, Parent) end.

send_n(_, 0) -> ok;
send_n(Sink, K) -> Sink ! K, send_n(Sink, K - 1).

worker(F, Count, Swaps) ->
    receive
        M when is_integer(M) -> worker(F, F(M, Count), Swaps);
        {swap, G} -> worker(G, Count, Swaps + 1);
        {get, From} -> From ! {count, Count, Swaps, F}, worker(F, Count, Swaps);
        stop -> ok
    end.

drive(_, 0, _, _, _) -> ok;
drive(Worker, K, PerSwap, V1, V2) ->
    send_ones(Worker, PerSwap),
    Worker ! {swap, V2},
    drive(Worker, K - 1, PerSwap, V2, V1).

send_ones(_, 0) -> ok;
send_ones(W, K) -> W ! 1, send_ones(W, K - 1).

remote_sink(N, Parent) ->
    receive {ready_q, From} -> From ! {ready, self()} end,
    remote_count(N, Parent).

remote_count(0, Parent) -> Parent ! {remote_done, self()};
remote_count(K, Parent) -> receive {m, _} -> remote_count(K - 1, Parent) end.

send_m(_, 0) -> ok;
send_m(S, K) -> S ! {m, K}, send_m(S, K - 1).

remote_asks(_, 0, Acc) -> Acc;
remote_asks(Echo, K, Acc) ->
    T = erlang:monotonic_time(),
    K = remote_ask(Echo, K),
    remote_asks(Echo, K - 1, [erlang:monotonic_time() - T | Acc]).

%% An ask as pd's: the request carries a fresh reference, the reply is matched on it, with
%% a timeout. (gen_server:call would also monitor the far process: two more messages over
%% the network per call, which pd's ask does not send.)
remote_ask(Echo, M) ->
    Ref = make_ref(),
    Echo ! {ask, self(), Ref, M},
    receive {Ref, Reply} -> Reply after 60000 -> error(remote_ask_timeout) end.

remote_echo() ->
    receive
        {ask, From, Ref, M} -> From ! {Ref, M}, remote_echo();
        stop -> ok
    end.

%% p50 and p99 of sorted native-unit latencies, as the JSON tail of a result line.
latency_extra(Sorted) ->
    Len = length(Sorted),
    P50 = lists:nth(max(1, ceil(0.5 * Len)), Sorted),
    P99 = lists:nth(max(1, ceil(0.99 * Len)), Sorted),
    ToUs = fun(D) -> erlang:convert_time_unit(D, native, nanosecond) / 1000 end,
    io_lib:format(",\"p50Us\":~.3f,\"p99Us\":~.3f", [ToUs(P50), ToUs(P99)]).

%% gen_server callbacks for the ask workload: echo the request.
init([]) -> {ok, nostate}.
handle_call(Req, _From, State) -> {reply, Req, State}.
handle_cast(_Msg, State) -> {noreply, State}.
