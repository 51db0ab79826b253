"""Signals of what a comment is: a question, an order, after-sales trouble, or chatter.

Patterns are written from how live-room viewers talk (Chinese first, English too); the comment is
already normalised (lower case, half-width, runs shortened).
"""

from __future__ import annotations

import re

from recommender.text import HAN

_COMPLAINT = re.compile(
    "|".join(
        [
            r"(还|咋|怎么|为什么|为啥)(没|不)(有)?(发货|发|到|寄)",
            r"(没|未)(收到|发货|到货)",
            r"(几|好几|这么多)天(了)?(还|都)?(没|不)",
            r"(物流|快递)(一直|都|还)?(没|不)(动|更新|到)",
            r"(我|给我|申请|要求|赶紧)(要)?(退款|退钱|退货)",
            r"退款(呢|还没|没到|不给|啥时候到)",
            r"(质量|做工)(太|好|真|很|超|特别)?(差|烂|垃圾)",
            r"(破|坏|烂|裂|漏|断|脏|臭|发霉|变质|过期)了",
            r"(破损|坏的|发错|少发|漏发|错发|假货|仿品|山寨)",
            r"客服(一直|都|也|怎么|为什么)?(不|没)(回|理|处理)",
            r"(不回|没人回)(消息|信息)",
            r"(投诉|差评|骗子|骗人|坑人|上当|被骗|维权|12315)",
            r"(过敏|烂脸|长痘|闷痘|拉肚子)了",
            r"(跟|和)(图片|描述|直播)(不一样|不符)",
            r"(物流|快递|单号|包裹).{0,6}(没动|不动|没更新|不更新|没消息|查不到|异常)",
            # an order that is slow to come ("已下单 快递好慢啊", "昨天拍了 还没动静", "等了好几天了")
            r"(快递|物流|发货)(也)?(好|太|真|超|这么|那么)慢|(还|一直)(没|没有)(动静|消息)"
            r"|等了(好|好几|几|[\d一两三四五六七八九十]+)(天|周|个星期|星期)",
            r"[\d几两三四五六七八九十]+\s*天.{0,3}(没|不)(动|到|发|更新|收到)",
            r"收到(的|就|时|后|了)?.{0,10}(破|坏|断|碎|洞|漏|裂|脏|划痕|瑕疵|少了|错了|不对)",
            r"(有|破了|一)(个|块)(洞|口子|划痕|污渍)",
            # one part dead ("左边没声音"), said of a key or a light too ("有个键不响": an instrument shop's trial)
            r"(左边|右边|一边|一只|(?:有|一)个.{0,2})(没|不)(声音|响|亮|充电)",
            r"(充不进|充不上|开不了机|打不开|用不了了|不能用了|失灵|坏掉|没反应了)",
            r"(才|刚)(买|收到|用)(了)?.{0,4}(天|周|星期|个月|次)",
            r"(缩水|缩|掉色|褪色|起球|开线|脱线|变形|掉漆|生锈|进水|起雾)了(?!吗|么|没|不)",
            r"(退钱|还钱|太坑|坑爹|黑心)",
            r"\b(refund|broken|damaged|defective|scam|fake|complain|complaint)\b",
            r"\b(terrible|awful|worst|poor quality|shrank|shrunk|stopped working|not working|doesn[' ]?t work|broke|money back)\b",
            # goods failing again and again ("it keeps going offline": a security shop's trial, read as an order)
            r"\bkeeps? (going offline|disconnecting|dropping|crashing|turning off|shutting (off|down)|restarting)\b",
            r"(haven[' ]?t|have not|hasn[' ]?t|has not|never|didn[' ]?t|did not|not yet) (received|got|arrived|shipped)",
            r"where([' ]?s| is) my (order|package|parcel)",
            r"\b(not|never) (arrived|received|delivered|came|come)\b",
            # goods that came in a bad state ("mine arrived crushed", "the box came open")
            r"\b(arrived|came|received|delivered|turned up)\b[^.?!]{0,15}\b(crushed|smashed|squashed|cracked"
            r"|leaking|leaked|moldy|mouldy|rotten|dented|open(ed)?|melted|torn|wet|expired|spoiled|stale)\b",
            r"\b(mine|ours|my \w+|the (box|package|parcel|bag|bottle|jar|pack)) (is|was|are|were|got) (all )?"
            r"(crushed|smashed|squashed|cracked|leaking|moldy|mouldy|rotten|dented|melted|torn)\b",
        ]
    ),
    re.ASCII,
)

# An order or a firm wish to buy: answered with no question even if a question word slips in. Not
# "买了之后" / "拍了以后": after buying, a time asked about ("买了之后券在哪"), not an order
_AFTER = r"(?!之后|以后)"
_PURCHASE_DONE = re.compile(
    rf"(已|刚|我)?(拍|买|下单|付款|抢)(了|好了|到了|完了|下了)(?!吗|么|没){_AFTER}|(已拍|已买|已下单|已付|拍下|秒拍|抢到|拍到)"
    r"|\b(just )?(bought|ordered|purchased|grabbed|snagged|copped)\b",
    re.ASCII,
)

_PURCHASE = re.compile(
    "|".join(
        [
            rf"(已|刚|我)?(拍|买|下单|付款|付|抢)(了|好了|到了|完了|下了){_AFTER}",
            r"^(拍|买|冲|要)(了|它|这个)?$",
            r"(已拍|已买|已下单|已付|已抢|拍下|秒拍|秒了)",
            r"(上|求|快上|开)\s*(\d+\s*号\s*)?链接",
            r"(扣|刷)\s*(1|一|想要|要)",
            r"^1{1,}$|^(111|1 1)",
            r"(我要|想要|要了|冲了|冲冲|入了|带走|安排|下单|蹲|蹲一个|蹲到)",
            r"(抢到|拍到|买到)",
            r"(上车|给我(来|留|整|拿|包)|帮我留|留(一|两|几|\d)(件|个|份|单|套|双|盒))",
            r"(来|要|拍|买)(一|两|三|几|\d+)(箱|件|个|份|单|盒|包|袋|套|双|瓶|支)(?!.*(吗|么|\?))",
            r"^(冲|冲冲|冲鸭)|(冲|冲冲)$",
            r"\b(bought|ordered|purchased|grabbed|snagged|copped|i[' ]?ll take|want (it|one|this)|take my money|add(ed)? to cart|sold)\b",
        ]
    ),
    re.ASCII,
)

# which of two is better ("70克还是80克好", "70g还是80g比较好啊", "哪个好"): a question, and one of judgement
_WHICH_BETTER = (
    r"还是(?![不挺很蛮])[^还]{1,10}?(好|更好|比较好|好些|好点|好一点|合适|划算)[吗呢啊呀哇]*\s*$"
    r"|哪(个|种|款|一个|一款|一种)(好|更好|比较好|好些|好点)"
)

# A question particle, a question word, or an explicit asking verb.
_QUESTION = re.compile(
    "|".join(
        [
            r"\?",
            # a particle closing the comment or one of its clauses ("新疆能发不 我在乌鲁木齐"): viewers
            # ask first and say why after, or laugh ("能装电脑不哈哈"); 伐 is Shanghai's 吗
            r"(吗|嘛|么|呢|不|伐)\s*$",
            r"(?<=[^\s不])(呢|不)([\s,.!~]|哈|嘿|嘻|呵|hh|233)",
            # or with 没 (莫, 冇 in the south-west and Cantonese): "加糖了没", "有认证莫"; not "还没",
            # "我也没", which answer
            r"(?<=[^\s还也都并就我你他])(没|莫|冇)([\s,.!~?]|$)",
            # 么 of 这么 / 那么 / 多么 / 要么 asks nothing ("压力这么猛")
            r"(吗|嘛|(?<![这那多要])么)",
            # a verb asked with 不 or 没 between ("好不好", "加没加"), of one or two characters ("能吃不能吃");
            # in Cantonese with 唔 ("可唔可以", "会唔会")
            r"(?P<ab>[\u4e00-\u9fff]{1,2})(不|没|唔)(?P=ab)",
            # Cantonese question words: how, why, how much, who, where, what, have or not
            r"(点样|点解|几多|边(个|度|间|只|款|种|年|日|位|条|件|样|色|张|支)|乜嘢|咩嘢|有冇)",
            # "係咪真絲" (is it silk), "有咩色" / "咩色好睇" (what colours): asked with no question mark
            r"(系咪|有咩|咩(?=[\u4e00-\u9fff]))",
            r"咩\s*$",
            r"(谁|哪里|哪儿|几时|是否|有无|行不行|可以吗|咋样|怎样|如何)",
            r"是.{1,8}还是",
            # "m还是l", "38还是39", "黑色还是白色": which of two sizes or colours
            r"(?<![a-z])([sml]|x{1,3}l|\d?xl|\d{2,3})\s*码?\s*还是\s*([sml]|x{1,3}l|\d?xl|\d{2,3})(?![a-z])",
            # "0.5还是0.38的", "1.5米还是1.8米": which of two measures
            r"(?<![\d.])\d+\.\d+\s*[a-z\u4e00-\u9fff]{0,2}\s*还是\s*\d+(\.\d+)?",
            r"色还是.{1,3}色",
            _WHICH_BETTER,
            # "软还是硬", "大还是小": which of two qualities, one character each
            r"[\u4e00-\u9fff]还是[\u4e00-\u9fff][啊呀呢吧的]*(?=[\s,.!?~]|$)",
            r"(多少|好多钱|几|啥|什么|哪|怎么|如何|咋|为什么|为啥|多久|多长|多大|多重|多宽|多高|多厚|多远)",
            # how much of a quality ("有多深", "多硬", "多锋利")
            r"多(深|硬|软|沉|粗|细|紧|松|贵|亮|快|慢|热|冷|甜|辣|咸|酸|薄|锋利|结实)",
            r"(能不能|可不可以|可以不|有没有|是不是|会不会|要不要|用不用|适不适合|合不合适|好不好|值不值|贵不贵)",
            r"(有.{0,6}(吗|嘛|么|没|不))",
            r"(请问|问下|问一下|想问|求问|咨询)",
            # a bargain asked of the streamer with no particle ("便宜点呗", "再优惠些"): the streamer
            # answers it as "能便宜点吗" (an instrument shop's trial: chat, seen by no one)
            r"(便宜|优惠)(一?点|一?些)",
            r"^(do|does|did|is|are|was|can|could|will|would|how|what|which|when|where|why|any|should)\b",
            r"\b(whats|wats|hows|wheres|whens|whys)\b",  # typed without the apostrophe, or as said
            r"\b(what|which|how) (should|size|do|does|is|are|can|much|many|long)\b",
            # a wh-word and its noun inside the comment, then the verb: "kids pajamas what prints are
            # there" (read as an order, an underwear shop's trial), "and which colours do you have"
            r"\b(what|which)( [a-z]+){1,2} (are|is|do|does|can|come|comes)\b",
            r"\b(pls|plz|please)\b",  # "price pls": a request is asking
            r"\b(how much|how many|how long|how loud|how big|what size|in stock|available)\b",
            r"\b(do|does|can|could|is|are|will|would) (i|you|it|they|this|the|we|my|kids?|girls?|boys?)\b",
        ]
    ),
    re.ASCII,
)

# Remarks about the streamer or the show, not the goods.
_ABOUT_STREAMER = re.compile(
    r"(主播|小姐姐|你们|主持|老板娘|老板).{0,6}(好|美|漂亮|帅|可爱|辛苦|厉害|几岁|多高|结婚|哪里人)", re.ASCII
)


# Asking whether the shop has some goods at all ("有卖洗发水的吗", "有没有满天星", "do you sell hats"): a
# shopping question for the streamer even when no product on the shelf is named; not "有没有人" and
# the like, asking the room or for a person
_ASKS_FOR_GOODS = re.compile(
    r"(有卖|有没有卖|卖不卖|会不会上|什么时候上|能不能上|下次上|\bdo you (sell|have)\b"
    r"|有没有(?!人|真人|客服|姐妹|宝宝|朋友|老铁|家人|兄弟|小伙伴|同款的人|一起|兴趣|考虑|可能|必要|想|要|买)"
    r"(?:(?![的吗啊呀呢])[\u4e00-\u9fff]){2,6}[吗啊呀呢]?(?:\s|$))",
    re.ASCII,
)


def asks_for_goods(text: str) -> bool:
    return bool(_ASKS_FOR_GOODS.search(text))


# sick after eating the goods ("猫吃了吐了"): trouble a complaint's words do not say
_SICK = "吐了|拉稀|拉肚子|腹泻"

# goods bought from another shop ("之前买别家的断了"): their trouble is no complaint to this one, but the
# reason a question about these goods is asked
_ELSEWHERE = re.compile(
    r"别家|别人家|其他家|别的店|别的家|外面买|\b(another|other) (shop|store|seller)\b", re.ASCII
)


def is_complaint(text: str) -> bool:
    return bool(_COMPLAINT.search(text)) and not _ELSEWHERE.search(text)


# trouble words heard only in a comment the kind model already flags as maybe trouble (`told_trouble`
# in qa.decide), not complaint rules of the kind model: "碎了" is as often asked ahead ("万一路上碎了怎么办",
# nine labelled questions), as is a pet or a child being sick ("吃了会不会拉稀")
_BROKEN = re.compile(rf"碎了|{_SICK}")


def tells_trouble(text: str) -> bool:
    """Whether a comment's words say trouble with the goods: a complaint's words, broken ("壶盖碎了"), or
    sick after eating them ("猫吃了吐了")."""
    return is_complaint(text) or bool(_BROKEN.search(text))


def is_purchase(text: str) -> bool:
    return bool(_PURCHASE.search(text))


_LINK_REQUEST = re.compile(
    r"(上|求|快上|开|发|挂|给个)链接|链接(呢|在哪)|where[' ]?s the link|drop the link|link (please|pls)|send (me )?the link"
    r"|\bbuy(ing)? link\b",
    re.ASCII,
)


def is_link_request(text: str) -> bool:
    """Asking for the product link to buy ("上链接", "链接在哪"): a purchase, though worded as a question."""
    return bool(_LINK_REQUEST.search(text))


def is_order_done(text: str) -> bool:
    """An order already placed ("拍了", "已下单"): a purchase even if a question word follows."""
    return bool(_PURCHASE_DONE.search(text)) or is_link_request(text)


# A clause closing with 吧 guesses and asks to be told so ("是熬出来的吧", "没问题吧", "没被抢吧"),
# unless it exclaims ("太便宜了吧"), asks for something to be done ("再上点库存吧", "买吧") or gives in
# ("好吧", "行吧"). A question form, and a feature of the kind model of its own, since sentence-final 吧
# is also a suggestion and "…是吧" a tag that asks nothing (it is no question form: chatter is full of it)
_CONFIRM = re.compile(r"吧(?=[\s,.!?~]|$)", re.ASCII)
_NOT_CONFIRM = re.compile(
    r"太.{0,8}了吧|(再|快|赶紧|给我|帮我|让我|多)[^\s,.!?~]{0,8}吧"
    r"|(?:^|[\s,.!?~])(买|冲+|拍|来|走|上|好|行|那好|那行|算了)吧",
    re.ASCII,
)


def asks_to_confirm(text: str) -> bool:
    return bool(_CONFIRM.search(text)) and not _NOT_CONFIRM.search(text)


_TAG = re.compile(r"是吧(?=[\s,.!?~]|$)", re.ASCII)

# "A还是B" asks which of two ("早上涂还是晚上涂", "押身份证还是押钱", "要卸还是不用卸") when the two
# sides are alike: they end alike or the second opens (past a 不 / 没) with a word of the first. 还是
# is also "still" ("洗了还是掉色", "看了半天还是这件好看"), whose two sides are not alike.
_EITHER = re.compile(r"([^\s,.!?~]+)还是([^\s,.!?~]+)", re.ASCII)
_CLOSING = "啊呀呢吧哇嘛哈"


def asks_which_of_two(text: str) -> bool:
    for m in _EITHER.finditer(text):
        first, second = m.group(1), re.sub(r"^(不用|不要|不|没)", "", m.group(2).rstrip(_CLOSING))
        if second and (second[0] in first[-6:] or first[-1] == second[-1]):
            return True
    return False


def is_question(text: str) -> bool:
    return (
        bool(_QUESTION.search(text))
        or (asks_to_confirm(text) and not _TAG.search(text))
        or asks_which_of_two(text)
    )


# Asking how to ask, or whom: "兄弟们帮问下", "请问一下", "宝宝们": a clause of these alone asks
# nothing of its own, it introduces the clause beside it
_ASKING_ONLY = re.compile(
    r"(请问|问下|问一下|问问|想问|求问|咨询|(帮|帮我|帮忙|麻烦)问)(下|一下)?"
    r"|(兄弟|家人|宝宝|姐妹|宝子|集美|朋友)们|大家|主播|老板|亲们?",
    re.ASCII,
)


def only_asks_to_ask(clause: str) -> bool:
    return bool(_ASKING_ONLY.search(clause)) and len(HAN.findall(_ASKING_ONLY.sub("", clause))) < 2


def about_streamer(text: str) -> bool:
    return bool(_ABOUT_STREAMER.search(text))


# The streamer's own height, weight or size ("主播多高多重", "主播穿的什么码"): viewers size themselves
# against the person wearing it. Only the streamer knows; a size table is not the answer.
_FIT = r"的?.{0,3}(多高|身高|多重|体重|多少斤|几斤|穿(的|了)?(什么|啥|哪个|几|多大)?(码|号))"
_STREAMER_FIT = re.compile(
    rf"(主播|小姐姐|你){_FIT}"
    r"|\byour\s+(height|weight|size)\b|\bhow\s+(tall|heavy)\s+are\s+you\b"
    r"|\bwhat\s+size\s+(are|do)\s+you\b",
    re.ASCII,
)
# The same asked of the model in the pictures ("模特穿的什么码"): listings often say it
# ("模特身高165cm 穿S码"), so it is the streamer's to answer only when the shelf does not
_MODEL_FIT = re.compile(
    rf"模特{_FIT}|\bthe\s+model'?s\s+(height|weight|size)\b"
    r"|\bhow\s+(tall|heavy)\s+is\s+the\s+model\b|\bwhat\s+size\s+is\s+the\s+model\b",
    re.ASCII,
)


# Asking in Cantonese or a southern or south-western way ("有冇", "系咪", "系唔系", "点样", "啥子", "莫得"),
# where the standard particles are missing. A feature of the kind model, not a rule of its own.
_DIALECT_QUESTION = re.compile(
    r"(有冇|系咪|系唔系|是唔是|可唔可以|会唔会|使唔使|啱唔啱|要唔要|[\u4e00-\u9fff]唔[\u4e00-\u9fff]"
    r"|咩|乜|点样|点解|几多|边个|边度|㗎|啥子|莫得|没得|得不得|要得不|(没|莫|不|冇)\s*\??$)",
    re.ASCII,
)


def asks_in_dialect(text: str) -> bool:
    return bool(_DIALECT_QUESTION.search(text))


# Trouble with goods received, said without the usual complaint words ("打开就是碎的", "长毛了",
# "少了一个", "狗吃了吐了"): a feature of the kind model.
_TROUBLE = re.compile(
    r"(碎|坏|烂|霉|毛|虫|臭|馊|酸了|化了|漏|断|裂|掉|少|缺|错|不对|不一样|不符|差|假|过敏|红|痒|疼"
    rf"|呕|态度不好|{_SICK})"
    r"|\b(wrong|missing|broken|leak|late|never|still)\b",
    re.ASCII,
)


def mentions_trouble(text: str) -> bool:
    return bool(_TROUBLE.search(text))


# What if something happens ("万一过期了能退吗", "if it turns out fake what do I get back", "买了之后怎么
# 退"): a question about a policy asked before buying, though it names the trouble a complaint reports
# or the return one asks for. A feature of the kind model.
_WHAT_IF = re.compile(
    r"(万一|如果|要是|假如|假设|若是|的话|(买|拍|下单|入手)了?\s*(之|以)后|\bif\b|\bin case\b)",
    re.ASCII,
)


def asks_what_if(text: str) -> bool:
    return bool(_WHAT_IF.search(text))


def asks_streamer_fit(text: str) -> bool:
    return bool(_STREAMER_FIT.search(text))


def asks_model_fit(text: str) -> bool:
    return bool(_MODEL_FIT.search(text))


# Asking the streamer's judgement: what to pick, what is nicest, what they use themselves ("主播推荐一下",
# "哪个味道最好喝", "什么颜色好看", "which one do you recommend?"). A field lists the options; which of
# them is best is the streamer's to say (an FAQ entry the shop wrote for it may still answer); so is
# which of two is better ("70克还是80克好", "哪个好")
_OPINION = re.compile(
    r"推荐|(你|主播)(觉得|自己|平时|用的|喝的|吃的|穿的)"
    r"|(哪|什么|啥).{0,6}(最|更|比较)?(好看|好吃|好喝|好闻|显白|显瘦|百搭|划算|实惠|值得|好用|耐用)"
    rf"|{_WHICH_BETTER}"
    r"|\b(recommend|your (favou?rite|pick))\b|\bwhich\b[^?]{0,20}\b(best|better|nicest|prettiest)\b"
    r"|\bwhat do you (think|recommend|use)\b",
    re.ASCII,
)


def asks_opinion(text: str) -> bool:
    return bool(_OPINION.search(text))
